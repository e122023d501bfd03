//! Protocol names as `ra` 3.0.8.2 prints them. ra does not consult
//! /etc/protocols for IP protocols: it has its own table of IANA keywords
//! (so 33 prints `sep`, 113 `pgm`), reproduced here by number.

pub const IP_PROTOCOLS: [Option<&str>; 256] = [
    Some("ip"),          // 0
    Some("icmp"),        // 1
    Some("igmp"),        // 2
    Some("ggp"),         // 3
    Some("ipnip"),       // 4
    Some("st2"),         // 5
    Some("tcp"),         // 6
    Some("cbt"),         // 7
    Some("egp"),         // 8
    Some("igp"),         // 9
    Some("bbn-rcc"),     // 10
    Some("nvp"),         // 11
    Some("pup"),         // 12
    Some("argus"),       // 13
    Some("emcon"),       // 14
    Some("xnet"),        // 15
    Some("chaos"),       // 16
    Some("udp"),         // 17
    Some("mux"),         // 18
    Some("dcn"),         // 19
    Some("hmp"),         // 20
    Some("prm"),         // 21
    Some("xns-idp"),     // 22
    Some("trunk-1"),     // 23
    Some("trunk-2"),     // 24
    Some("leaf-1"),      // 25
    Some("leaf-2"),      // 26
    Some("rdp"),         // 27
    Some("irtp"),        // 28
    Some("iso-tp4"),     // 29
    Some("netblt"),      // 30
    Some("mfe-nsp"),     // 31
    Some("merit-inp"),   // 32
    Some("sep"),         // 33
    Some("3pc"),         // 34
    Some("idpr"),        // 35
    Some("xtp"),         // 36
    Some("ddp"),         // 37
    Some("idpr-cmtp"),   // 38
    Some("tp++"),        // 39
    Some("il"),          // 40
    Some("ipv6"),        // 41
    Some("sdrp"),        // 42
    Some("ipv6-route"),  // 43
    Some("ipv6-frag"),   // 44
    Some("idrp"),        // 45
    Some("rsvp"),        // 46
    Some("gre"),         // 47
    Some("mhrp"),        // 48
    Some("bna"),         // 49
    Some("esp"),         // 50
    Some("ah"),          // 51
    Some("i-nlsp"),      // 52
    Some("swipe"),       // 53
    Some("narp"),        // 54
    Some("mobile"),      // 55
    Some("tlsp"),        // 56
    Some("skip"),        // 57
    Some("ipv6-icmp"),   // 58
    Some("ipv6-no"),     // 59
    Some("ipv6-opts"),   // 60
    Some("any"),         // 61
    Some("cftp"),        // 62
    Some("any"),         // 63
    Some("sat-expak"),   // 64
    Some("kryptolan"),   // 65
    Some("rvd"),         // 66
    Some("ippc"),        // 67
    Some("any"),         // 68
    Some("sat-mon"),     // 69
    Some("visa"),        // 70
    Some("ipcv"),        // 71
    Some("cpnx"),        // 72
    Some("cphb"),        // 73
    Some("wsn"),         // 74
    Some("pvp"),         // 75
    Some("br-sat-mon"),  // 76
    Some("sun-nd"),      // 77
    Some("wb-mon"),      // 78
    Some("wb-expak"),    // 79
    Some("iso-ip"),      // 80
    Some("vmtp"),        // 81
    Some("secure-vmtp"), // 82
    Some("vines"),       // 83
    Some("ttp"),         // 84
    Some("nsfnet-igp"),  // 85
    Some("dgp"),         // 86
    Some("tcf"),         // 87
    Some("eigrp"),       // 88
    Some("ospf"),        // 89
    Some("sprite-rpc"),  // 90
    Some("larp"),        // 91
    Some("mtp"),         // 92
    Some("ax.25"),       // 93
    Some("ipip"),        // 94
    Some("micp"),        // 95
    Some("aes-sp3-d"),   // 96
    Some("etherip"),     // 97
    Some("encap"),       // 98
    Some("pri-enc"),     // 99
    Some("gmtp"),        // 100
    Some("ifmp"),        // 101
    Some("pnni"),        // 102
    Some("pim"),         // 103
    Some("aris"),        // 104
    Some("scps"),        // 105
    Some("qnx"),         // 106
    Some("a/n"),         // 107
    Some("ipcomp"),      // 108
    Some("snp"),         // 109
    Some("compaq-peer"), // 110
    Some("ipx-n-ip"),    // 111
    Some("vrrp"),        // 112
    Some("pgm"),         // 113
    Some("zero"),        // 114
    Some("l2tp"),        // 115
    Some("ddx"),         // 116
    Some("iatp"),        // 117
    Some("stp"),         // 118
    Some("srp"),         // 119
    Some("uti"),         // 120
    Some("smp"),         // 121
    Some("sm"),          // 122
    Some("ptp"),         // 123
    Some("isis"),        // 124
    Some("fire"),        // 125
    Some("crtp"),        // 126
    Some("crudp"),       // 127
    Some("sccopmce"),    // 128
    Some("iplt"),        // 129
    Some("sps"),         // 130
    Some("pipe"),        // 131
    Some("sctp"),        // 132
    Some("fc"),          // 133
    Some("rsvp"),        // 134
    None,                // 135
    None,                // 136
    None,                // 137
    None,                // 138
    None,                // 139
    None,                // 140
    None,                // 141
    None,                // 142
    None,                // 143
    None,                // 144
    None,                // 145
    None,                // 146
    None,                // 147
    None,                // 148
    None,                // 149
    None,                // 150
    None,                // 151
    None,                // 152
    None,                // 153
    None,                // 154
    None,                // 155
    None,                // 156
    None,                // 157
    None,                // 158
    None,                // 159
    None,                // 160
    None,                // 161
    None,                // 162
    None,                // 163
    None,                // 164
    None,                // 165
    None,                // 166
    None,                // 167
    None,                // 168
    None,                // 169
    None,                // 170
    None,                // 171
    None,                // 172
    None,                // 173
    None,                // 174
    None,                // 175
    None,                // 176
    None,                // 177
    None,                // 178
    None,                // 179
    None,                // 180
    None,                // 181
    None,                // 182
    None,                // 183
    None,                // 184
    None,                // 185
    None,                // 186
    None,                // 187
    None,                // 188
    None,                // 189
    None,                // 190
    None,                // 191
    None,                // 192
    None,                // 193
    None,                // 194
    None,                // 195
    None,                // 196
    None,                // 197
    None,                // 198
    None,                // 199
    None,                // 200
    None,                // 201
    None,                // 202
    None,                // 203
    None,                // 204
    None,                // 205
    None,                // 206
    None,                // 207
    None,                // 208
    None,                // 209
    None,                // 210
    None,                // 211
    None,                // 212
    None,                // 213
    None,                // 214
    None,                // 215
    None,                // 216
    None,                // 217
    None,                // 218
    None,                // 219
    None,                // 220
    None,                // 221
    None,                // 222
    None,                // 223
    None,                // 224
    None,                // 225
    None,                // 226
    None,                // 227
    None,                // 228
    None,                // 229
    None,                // 230
    None,                // 231
    None,                // 232
    None,                // 233
    None,                // 234
    None,                // 235
    None,                // 236
    None,                // 237
    None,                // 238
    None,                // 239
    None,                // 240
    None,                // 241
    None,                // 242
    None,                // 243
    None,                // 244
    None,                // 245
    None,                // 246
    None,                // 247
    None,                // 248
    None,                // 249
    None,                // 250
    None,                // 251
    None,                // 252
    Some("ib"),          // 253
    None,                // 254
    None,                // 255
];

/// Ethertype names `ra` uses for non-IP layer-2 flows.
pub const ETHERTYPES: &[(u16, &str)] = &[
    (0x0800, "ip"),
    (0x0806, "arp"),
    (0x8035, "rarp"),
    (0x809b, "atalk"),
    (0x80f3, "aarp"),
    (0x8100, "8021q"),
    (0x8137, "ipx"),
    (0x86dd, "ipv6"),
    (0x8808, "pause"),
    (0x8809, "slow"),
    (0x8847, "mpls"),
    (0x8848, "mplsm"),
    (0x8863, "pppoed"),
    (0x8864, "pppoes"),
    (0x888e, "eapol"),
    (0x88a8, "8021ad"),
    (0x88cc, "lldp"),
    (0x88f7, "ptp"),
    (0x9000, "loop"),
];

pub fn ip_protocol(p: u8) -> Option<&'static str> {
    IP_PROTOCOLS[usize::from(p)]
}

pub fn ethertype(t: u16) -> Option<&'static str> {
    ETHERTYPES.iter().find(|(n, _)| *n == t).map(|(_, s)| *s)
}
