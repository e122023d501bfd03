//! Encapsulation bits, numbered as Argus numbers them (ENCAPS DSR), so that
//! records can carry them unchanged.

pub const MPLS: u32 = 0x01;
pub const ETHER: u32 = 0x02;
pub const VLAN: u32 = 0x04;
pub const LLC: u32 = 0x08;
pub const PPP: u32 = 0x10;
pub const ISL: u32 = 0x20;
pub const GRE: u32 = 0x40;
pub const AH: u32 = 0x80;
pub const IP: u32 = 0x100;
pub const IPV6: u32 = 0x200;
pub const HDLC: u32 = 0x400;
pub const CHDLC: u32 = 0x800;
pub const SLL: u32 = 0x2000;
pub const SLIP: u32 = 0x8000;
pub const IEEE802_11: u32 = 0x2_0000;
pub const TEREDO: u32 = 0x40_0000;
pub const ERSPAN_II: u32 = 0x400_0000;
