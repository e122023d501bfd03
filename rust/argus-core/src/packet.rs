//! The unit handed from a capture source to the decoder: one frame, as captured.

/// Link-layer header type, as numbered by tcpdump.org's LINKTYPE_ registry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LinkType(pub u32);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const PPP: LinkType = LinkType(9);
    pub const RAW_OLD: LinkType = LinkType(12); // DLT_RAW on some BSDs
    pub const RAW_OLD2: LinkType = LinkType(14);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const PPP_ETHER: LinkType = LinkType(51);
    pub const RAW: LinkType = LinkType(101);
    pub const C_HDLC: LinkType = LinkType(104);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// Whether the decoder understands frames of this link type.
    pub fn is_supported(self) -> bool {
        matches!(
            self.0,
            0 | 1
                | 8
                | 9
                | 12
                | 14
                | 15
                | 50
                | 51
                | 101
                | 104
                | 105
                | 108
                | 113
                | 119
                | 127
                | 163
                | 228
                | 229
                | 276
        )
    }

    /// The registry name (without the `LINKTYPE_` prefix), for messages.
    pub fn name(self) -> String {
        let known = match self.0 {
            0 => "NULL",
            1 => "ETHERNET",
            6 => "IEEE802_5",
            8 => "SLIP",
            15 => "SLIP_BSDOS",
            9 => "PPP",
            10 => "FDDI",
            12 | 14 => "RAW",
            50 => "PPP_HDLC",
            51 => "PPP_ETHER",
            100 => "ATM_RFC1483",
            101 => "RAW",
            104 => "C_HDLC",
            105 => "IEEE802_11",
            108 => "LOOP",
            113 => "LINUX_SLL",
            119 => "IEEE802_11_PRISM",
            127 => "IEEE802_11_RADIOTAP",
            143 => "DOCSIS",
            147..=162 => "USER",
            163 => "IEEE802_11_AVS",
            192 => "PPI",
            195 => "IEEE802_15_4_WITHFCS",
            201 => "BLUETOOTH_HCI_H4_WITH_PHDR",
            220 => "USB_LINUX_MMAPPED",
            228 => "IPV4",
            229 => "IPV6",
            249 => "NETLINK",
            276 => "LINUX_SLL2",
            _ => return format!("LINKTYPE {}", self.0),
        };
        format!("{known} ({})", self.0)
    }
}

/// One captured frame. `ts_usec` is microseconds since the Unix epoch (Argus keeps
/// microseconds; nanosecond captures are truncated as libpcap does).
/// `wire_len` is the original length on the wire, `data` the captured bytes
/// (possibly shorter, when the capture used a snap length).
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    pub ts_usec: i64,
    pub wire_len: u32,
    pub linktype: LinkType,
    pub data: &'a [u8],
}
