//! The index file: what is loaded answers exactly as what was built, and a damaged, cut or
//! hand-edited file is refused with what is wrong, never read into wrong answers.

use jurisdiction::{AreaIndex, IndexFileError, Polygon, is_index_file};

use crate::index::{area, awkward, census_counties, ring, sample_points};

/// A 10 × 10 square cut into 10 × 10 cells, and a strip whose left side runs exactly through
/// the reference points of column 2, so the index has degenerate entries and keeps the strip
/// whole in the file.
fn with_degenerate_entries() -> (Vec<jurisdiction::Area>, AreaIndex) {
    let x = 2.0 + 0.512_345_678_9;
    let areas = vec![
        area(
            "square",
            vec![Polygon {
                exterior: ring(&[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]]),
                holes: vec![],
            }],
        ),
        area(
            "aligned",
            vec![Polygon {
                exterior: ring(&[[x, 1.0], [7.0, 1.0], [7.0, 9.0], [x, 9.0]]),
                holes: vec![],
            }],
        ),
    ];
    let index = AreaIndex::with_density(&areas, 10.0);
    assert_eq!(index.stats().0, 100, "a 10 × 10 grid");
    (areas, index)
}

fn grid_points() -> impl Iterator<Item = [f64; 2]> {
    (0..=220).flat_map(|i| (0..=220).map(move |j| [-1.0 + i as f64 * 0.1, -1.0 + j as f64 * 0.1]))
}

#[test]
fn a_loaded_index_answers_as_the_built_one_and_writes_the_same_bytes() {
    let awkward = awkward();
    for built in [with_degenerate_entries().1, AreaIndex::with_density(&awkward, 0.5)] {
        let bytes = built.to_bytes();
        assert!(is_index_file(&bytes));
        let loaded = AreaIndex::from_bytes(&bytes).unwrap();
        assert_eq!(loaded.to_bytes(), bytes, "the file is a fixed point");
        assert_eq!(loaded.len(), built.len());
        for i in 0..built.len() {
            assert_eq!(loaded.id(i), built.id(i));
        }
        for p in grid_points() {
            assert_eq!(loaded.lookup(p), built.lookup(p), "{p:?}");
        }
    }
    // Along the strip's left side, through the reference points, where degenerate entries
    // answer with the kept strip.
    let (areas, built) = with_degenerate_entries();
    let loaded = AreaIndex::from_bytes(&built.to_bytes()).unwrap();
    let side = 2.0 + 0.512_345_678_9;
    for i in 0..1000 {
        let y = 0.5 + i as f64 * 0.009;
        for x in [side - 1e-9, side + 1e-9, side - 0.3, side + 0.3] {
            let want = jurisdiction::reference::lookup(&areas, [x, y]);
            assert_eq!(loaded.lookup([x, y]), want, "({x}, {y})");
        }
    }
}

#[test]
fn census_counties_answer_the_same_after_a_round_trip() {
    let Some(areas) = census_counties() else { return };
    let built = AreaIndex::build(&areas);
    let loaded = AreaIndex::from_bytes(&built.to_bytes()).unwrap();
    for p in sample_points(&areas, 40_000) {
        assert_eq!(loaded.lookup(p), built.lookup(p), "{p:?}");
    }
    for i in 0..areas.len() {
        assert_eq!(loaded.id(i), built.id(i));
    }
}

#[test]
fn a_damaged_or_cut_file_is_refused() {
    let (_, built) = with_degenerate_entries();
    let bytes = built.to_bytes();
    // Every length short of the whole file.
    for len in 0..bytes.len() {
        assert!(AreaIndex::from_bytes(&bytes[..len]).is_err(), "cut at {len}");
    }
    // A flipped bit anywhere: the header, a count, a cell, an edge, the checksum.
    for at in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x10;
        let error = AreaIndex::from_bytes(&damaged).unwrap_err();
        if at >= 12 {
            assert_eq!(error, IndexFileError::Checksum, "bit flipped at {at}");
        }
    }
    let not_an_index = AreaIndex::from_bytes(b"{\"type\":\"FeatureCollection\"}");
    assert_eq!(not_an_index.unwrap_err(), IndexFileError::NotAnIndex);
}

#[test]
fn another_version_is_refused_with_what_to_do() {
    let (_, built) = with_degenerate_entries();
    let mut bytes = built.to_bytes();
    bytes[8..12].copy_from_slice(&99u32.to_le_bytes());
    let error = AreaIndex::from_bytes(&bytes).unwrap_err();
    assert_eq!(error, IndexFileError::Version { found: 99 });
    assert!(error.to_string().contains("crisisbridge import area-index"), "{error}");
}

/// Rewrites the checksum, as a hand edit with the right tools would.
fn resealed(mut bytes: Vec<u8>) -> Vec<u8> {
    let body = bytes.len() - 4;
    let crc = crc32fast::hash(&bytes[..body]);
    bytes[body..].copy_from_slice(&crc.to_le_bytes());
    bytes
}

#[test]
fn a_hand_edited_file_with_a_valid_checksum_is_still_checked() {
    let (areas, built) = with_degenerate_entries();
    let bytes = built.to_bytes();
    let ids: usize = areas.iter().map(|a| 4 + a.id.len()).sum();
    let cells_at = 8 + 4 + 36 + 32 + ids;
    // The first cell's word naming area 1,000 of 7.
    let mut edited = bytes.clone();
    edited[cells_at..cells_at + 4].copy_from_slice(&((1u32 << 31) | 1000).to_le_bytes());
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert!(matches!(&error, IndexFileError::Invalid(m) if m.contains("cell 0")), "{error}");
    // A cell size of zero.
    let mut edited = bytes.clone();
    edited[8 + 4 + 36 + 16..8 + 4 + 36 + 24].copy_from_slice(&0f64.to_le_bytes());
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert!(matches!(&error, IndexFileError::Invalid(m) if m.contains("cell size")), "{error}");
    // Trailing bytes.
    let mut edited = bytes.clone();
    edited.splice(bytes.len() - 4..bytes.len() - 4, [0u8; 8]);
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert!(
        matches!(&error, IndexFileError::Invalid(m) if m.contains("after the last")),
        "{error}"
    );
    // No kept areas, though degenerate entries need one: the count of kept areas set to 0 and
    // the kept section dropped.
    let kept_count_at = 8 + 4 + 4 * 8;
    let kept = u32::from_le_bytes(bytes[kept_count_at..kept_count_at + 4].try_into().unwrap());
    assert!(kept > 0, "the aligned square is kept whole");
    let mut edited = bytes.clone();
    edited[kept_count_at..kept_count_at + 4].copy_from_slice(&0u32.to_le_bytes());
    let kept_bytes: usize = areas
        .iter()
        .filter(|a| a.id == "aligned")
        .map(|a| 8 + a.polygons.iter().map(|p| 4 + 4 + 16 * p.exterior.len()).sum::<usize>())
        .sum();
    let end = edited.len() - 4;
    edited.drain(end - kept_bytes..end);
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert!(matches!(&error, IndexFileError::Invalid(m) if m.contains("not kept")), "{error}");
}

#[test]
fn counts_the_file_cannot_hold_are_refused_before_anything_is_allocated() {
    let (_, built) = with_degenerate_entries();
    let bytes = built.to_bytes();
    // The area count (the first count) set to four billion, the checksum redone.
    let mut edited = bytes.clone();
    edited[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert_eq!(error, IndexFileError::Truncated("the area ids"));
    // The point count (the eighth).
    let mut edited = bytes;
    edited[12 + 28..12 + 32].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let error = AreaIndex::from_bytes(&resealed(edited)).unwrap_err();
    assert_eq!(error, IndexFileError::Truncated("the points"));
}

/// A round area of many vertices, so its boundary cells get finer grids with sub-cells it
/// holds whole: how many edges a lookup reads is asked everywhere without overflow.
#[test]
fn edges_read_is_answered_in_every_kind_of_cell() {
    let circle: Vec<[f64; 2]> = (0..2000)
        .map(|i| {
            let a = i as f64 / 2000.0 * std::f64::consts::TAU;
            [5.0 + 4.0 * a.cos(), 5.0 + 4.0 * a.sin()]
        })
        .collect();
    let areas = vec![
        area(
            "apart",
            vec![Polygon {
                exterior: ring(&[[19.0, 19.0], [21.0, 19.0], [21.0, 21.0], [19.0, 21.0]]),
                holes: vec![],
            }],
        ),
        area("circle", vec![Polygon { exterior: ring(&circle), holes: vec![] }]),
    ];
    let index = AreaIndex::with_density(&areas, 0.005);
    let loaded = AreaIndex::from_bytes(&index.to_bytes()).unwrap();
    let mut read_none = 0;
    // Off the square's sides, where the reference's half-open rule and the index may differ.
    for p in grid_points().map(|[x, y]| [x + 0.012_345, y + 0.023_456]) {
        let read = loaded.edges_read(p);
        assert!(read <= 2004, "{p:?}");
        read_none += usize::from(read == 0);
        assert_eq!(loaded.lookup(p), jurisdiction::reference::lookup(&areas, p), "{p:?}");
    }
    assert!(read_none > 0 && read_none < 221 * 221, "some points read edges, some none");
}
