//! Engine settings, named after the argus.conf directives they come from.

/// `ARGUS_FLOW_KEY` bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowKeyBits(pub u32);

impl FlowKeyBits {
    pub const CLASSIC_5_TUPLE: FlowKeyBits = FlowKeyBits(0x01);
    pub const LAYER_3_MATRIX: FlowKeyBits = FlowKeyBits(0x02);
    pub const LAYER_2: FlowKeyBits = FlowKeyBits(0x04);
    pub const LAYER_2_MATRIX: FlowKeyBits = FlowKeyBits(0x08);
    pub const LOCAL_MPLS: FlowKeyBits = FlowKeyBits(0x10);
    pub const COMPLETE_MPLS: FlowKeyBits = FlowKeyBits(0x20);
    pub const VLAN: FlowKeyBits = FlowKeyBits(0x40);

    pub fn contains(self, other: FlowKeyBits) -> bool {
        self.0 & other.0 == other.0
    }

    /// Parse one `ARGUS_FLOW_KEY` word.
    pub fn from_name(name: &str) -> Option<FlowKeyBits> {
        Some(match name {
            "CLASSIC_5_TUPLE" => Self::CLASSIC_5_TUPLE,
            "LAYER_3_MATRIX" => Self::LAYER_3_MATRIX,
            "LAYER_2" => Self::LAYER_2,
            "LAYER_2_MATRIX" => Self::LAYER_2_MATRIX,
            "LOCAL_MPLS" => Self::LOCAL_MPLS,
            "COMPLETE_MPLS" => Self::COMPLETE_MPLS,
            "VLAN" => Self::VLAN,
            _ => return None,
        })
    }
}

/// Microseconds in a second: every interval here is kept in µs of packet time.
pub const USEC: i64 = 1_000_000;

#[derive(Clone, Debug)]
pub struct EngineOptions {
    /// `ARGUS_FLOW_STATUS_INTERVAL` (-S).
    pub status_interval_usec: i64,
    /// `ARGUS_MAR_STATUS_INTERVAL` (-M).
    pub mar_interval_usec: i64,
    pub tcp_timeout_usec: i64,
    pub ip_timeout_usec: i64,
    pub icmp_timeout_usec: i64,
    pub igmp_timeout_usec: i64,
    pub frag_timeout_usec: i64,
    pub arp_timeout_usec: i64,
    pub other_timeout_usec: i64,
    /// -A
    pub appbytes: bool,
    /// -J
    pub jitter: bool,
    /// -m
    pub mac: bool,
    /// -Z
    pub packet_size: bool,
    /// -U
    pub user_data_len: u32,
    pub start_records: bool,
    pub unidirectional: bool,
    pub flow_key: FlowKeyBits,
    pub tcp_perf: bool,
    pub bidirectional_timestamps: bool,
    pub monitor_id: u32,
    pub track_duplicates: bool,
    /// Most flows held open at once (0: no limit); beyond it the flows idle
    /// longest are reported early and forgotten (argus-rs extension).
    pub max_flows: usize,
    /// The same limit in bytes of flow state, counted at
    /// [`crate::flow::FLOW_BYTES`] per flow (0: no limit).
    pub max_flow_memory: u64,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            status_interval_usec: 5 * USEC,
            mar_interval_usec: 60 * USEC,
            tcp_timeout_usec: 60 * USEC,
            ip_timeout_usec: 30 * USEC,
            icmp_timeout_usec: 5 * USEC,
            igmp_timeout_usec: 30 * USEC,
            frag_timeout_usec: 5 * USEC,
            arp_timeout_usec: 5 * USEC,
            other_timeout_usec: 30 * USEC,
            appbytes: false,
            jitter: false,
            mac: false,
            packet_size: false,
            user_data_len: 0,
            start_records: false,
            unidirectional: false,
            flow_key: FlowKeyBits::CLASSIC_5_TUPLE,
            tcp_perf: true,
            bidirectional_timestamps: false,
            monitor_id: 0,
            track_duplicates: false,
            max_flows: 0,
            max_flow_memory: 0,
        }
    }
}
