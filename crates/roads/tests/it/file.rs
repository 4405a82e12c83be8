//! The graph file: round trip and refusals.

use roads::{Graph, NodeId, Query, TravelTime};

use crate::helsinki;

#[test]
fn round_trip_keeps_every_arc_and_answer() {
    let Some(graph) = helsinki() else { return };
    let bytes = graph.to_bytes();
    let loaded = Graph::from_bytes(&bytes).unwrap();
    assert_eq!(loaded.to_bytes(), bytes);
    assert!(loaded.arcs().eq(graph.arcs()));
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let source = [(graph.node(17).unwrap(), TravelTime::from_millis(0))];
    let targets: Vec<NodeId> =
        (0..graph.node_count()).step_by(7).map(|i| graph.node(i).unwrap()).collect();
    Query::new().travel_times_from(graph, &source, &targets, &mut a);
    Query::new().travel_times_from(&loaded, &source, &targets, &mut b);
    assert_eq!(a, b);
}

#[test]
fn truncated_damaged_and_foreign_files_are_refused_with_a_reason() {
    let Some(graph) = helsinki() else { return };
    let bytes = graph.to_bytes();
    for cut in [0, 7, 12, 40, bytes.len() / 2, bytes.len() - 1] {
        let err = Graph::from_bytes(&bytes[..cut]).unwrap_err().to_string();
        assert!(err.starts_with("graph file:"), "{err}");
        if cut >= 40 {
            assert!(err.contains("truncated or damaged"), "{cut}: {err}");
        }
    }
    let mut damaged = bytes.clone();
    damaged[bytes.len() / 3] ^= 0x10;
    let err = Graph::from_bytes(&damaged).unwrap_err().to_string();
    assert!(err.contains("checksum mismatch"), "{err}");
    let mut future = bytes.clone();
    future[8] = 99;
    let err = Graph::from_bytes(&future).unwrap_err().to_string();
    assert!(err.contains("format version 99; this build reads version 1"), "{err}");
    let err = Graph::from_bytes(b"<osm version='0.6'/>").unwrap_err().to_string();
    assert!(err.contains("not a Crisisbridge graph file"), "{err}");
}

#[test]
fn a_file_with_a_valid_checksum_but_broken_structure_is_refused() {
    let Some(graph) = helsinki() else { return };
    let mut bytes = graph.to_bytes();
    // Point the first road arc at a node that does not exist, and fix the checksum.
    let n = graph.node_count();
    let first_arc = 32 + 8 * n + 4 * (n + 1);
    bytes[first_arc..first_arc + 4].copy_from_slice(&(n as u32 + 5).to_le_bytes());
    let body = bytes.len() - 4;
    let crc = crc32(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
    let err = Graph::from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("road arcs of node 0 are out of range"), "{err}");
}

/// CRC-32 (IEEE), bit by bit: the tests do not depend on the crate the library uses.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

#[test]
fn a_graph_can_be_shared_between_server_threads() {
    fn shared<T: Send + Sync>() {}
    shared::<Graph>();
    fn movable<T: Send>() {}
    movable::<Query>();
}
