//! `[[lost_peer]]` in the configuration: the other LoST servers this deployment asks
//! (recursion) or names (redirect) for locations outside its areas — another state's ECRF, a
//! forest guide — each checked before the server starts.
//!
//! ```toml
//! lost_peer_timeout_ms = 3000          # how long a peer may take (default 3000)
//! lost_peer_ca = "esinet-ca.pem"       # authorities of peers reached over https
//!
//! [[lost_peer]]
//! name = "lost.mo-ecrf.example"        # its LoST name: source, via, redirect target
//! url = "https://ecrf.mo.example/lost"
//! states = ["MO"]                      # civic addresses by A1 (USPS code or name)
//! bbox = [35.99, -95.77, 40.62, -89.10] # shapes by centre: [south, west, north, east]
//!
//! [[lost_peer]]
//! name = "fg.ng911.example"
//! url = "https://fg.ng911.example/lost"
//! forest_guide = true                  # every other location
//! ```

use std::path::PathBuf;
use std::time::Duration;

use anyhow::bail;
use server::lost::peers::{Peer, Region};

/// One `[[lost_peer]]` as written.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPeer {
    name: String,
    url: String,
    states: Option<Vec<String>>,
    bbox: Option<[f64; 4]>,
    forest_guide: Option<bool>,
}

/// The peers, checked.
#[derive(Debug, Clone, Default)]
pub struct PeersConfig {
    pub peers: Vec<Peer>,
    pub timeout: Duration,
    pub ca: Option<PathBuf>,
}

/// Checks the peers: names LoST accepts and not this server's own, `http(s)://` URLs (https
/// needing `lost_peer_ca`), known states, a box inside the globe, and a region for each.
pub(crate) fn check(
    raw: Vec<RawPeer>,
    lost_source: &str,
    timeout_ms: Option<u64>,
    ca: Option<PathBuf>,
) -> anyhow::Result<PeersConfig> {
    let timeout_ms = timeout_ms.unwrap_or(3000);
    if !(100..=30_000).contains(&timeout_ms) {
        bail!("lost_peer_timeout_ms = {timeout_ms} is out of range [100, 30000]");
    }
    let mut peers: Vec<Peer> = Vec::new();
    for (n, p) in raw.into_iter().enumerate() {
        let at = format!("lost_peer #{} ({})", n + 1, p.name);
        if !interop::lost::is_app_unique_string(&p.name) {
            bail!(
                "{at}: name is not a LoST server name: use dot-separated letters, digits and dashes, e.g. lost.mo-ecrf.example"
            );
        }
        if p.name.eq_ignore_ascii_case(lost_source)
            || peers.iter().any(|q| q.name.eq_ignore_ascii_case(&p.name))
        {
            bail!(
                "{at}: the name is this server's own (lost_source) or another peer's; each server has its own"
            );
        }
        let https = p.url.starts_with("https://");
        if !(https || p.url.starts_with("http://")) || p.url.contains(char::is_whitespace) {
            bail!(
                "{at}: url {:?} must be an http:// or https:// URL, e.g. https://ecrf.example/lost",
                p.url
            );
        }
        if https && ca.is_none() {
            bail!(
                "{at}: an https peer needs lost_peer_ca, the authorities that issue peers' certificates"
            );
        }
        let mut states = Vec::new();
        for s in p.states.unwrap_or_default() {
            let Some(state) = jurisdiction::us_states::find(&s) else {
                bail!(
                    "{at}: state {s:?} is not a US state or territory (a USPS code such as MO, or its name)"
                );
            };
            states.push(state.fips.to_owned());
        }
        if let Some([south, west, north, east]) = p.bbox {
            let ok = (-90.0..=90.0).contains(&south)
                && (-90.0..=90.0).contains(&north)
                && (-180.0..=180.0).contains(&west)
                && (-180.0..=180.0).contains(&east)
                && south < north
                && west < east;
            if !ok {
                bail!(
                    "{at}: bbox must be [south, west, north, east] in degrees, south below north and west of east"
                );
            }
        }
        let everywhere = p.forest_guide.unwrap_or(false);
        if states.is_empty() && p.bbox.is_none() && !everywhere {
            bail!("{at}: say where the peer answers: states, bbox, or forest_guide = true");
        }
        peers.push(Peer {
            name: p.name,
            url: p.url,
            region: Region { states, bbox: p.bbox, everywhere },
        });
    }
    Ok(PeersConfig { peers, timeout: Duration::from_millis(timeout_ms), ca })
}

/// The server's peers, with the TLS it reaches them by (trusting `lost_peer_ca`, presenting
/// the server's own certificate when it has one); `None` without peers.
pub(crate) fn build(
    config: &PeersConfig,
    identity: Option<&server::tls::TlsSettings>,
) -> anyhow::Result<Option<std::sync::Arc<server::lost::peers::Peers>>> {
    if config.peers.is_empty() {
        return Ok(None);
    }
    let tls =
        config.ca.as_deref().map(|ca| server::tls::peer_client_config(ca, identity)).transpose()?;
    let peers = server::lost::peers::Peers::new(config.peers.clone(), config.timeout, tls)
        .map_err(anyhow::Error::msg)?;
    Ok(Some(std::sync::Arc::new(peers)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn peers(toml: &str) -> anyhow::Result<PeersConfig> {
        #[derive(serde::Deserialize)]
        struct File {
            lost_peer: Vec<RawPeer>,
        }
        let file: File = toml::from_str(toml)?;
        check(file.lost_peer, "lost.ks.example", None, None)
    }

    #[test]
    fn peers_are_checked_with_what_to_fix() {
        let ok = peers(
            "[[lost_peer]]\nname = \"lost.mo.example\"\nurl = \"http://10.1.2.3:8080/lost\"\nstates = [\"MO\", \"Iowa\"]\n\
             [[lost_peer]]\nname = \"fg.example\"\nurl = \"http://10.9.9.9/lost\"\nforest_guide = true",
        )
        .unwrap();
        assert_eq!(ok.peers.first().unwrap().region.states, ["29", "19"]);
        assert!(ok.peers.get(1).unwrap().region.everywhere);
        assert_eq!(ok.timeout, Duration::from_secs(3));
        let err = |t: &str| format!("{:#}", peers(t).unwrap_err());
        let peer = |extra: &str| format!("[[lost_peer]]\nname = \"lost.mo.example\"\n{extra}");
        assert!(err(&peer("url = \"http://x/lost\"")).contains("say where the peer answers"));
        assert!(
            err(&peer("url = \"ftp://x\"\nforest_guide = true")).contains("http:// or https://")
        );
        assert!(
            err(&peer("url = \"https://x/lost\"\nforest_guide = true"))
                .contains("needs lost_peer_ca")
        );
        assert!(
            err(&peer("url = \"http://x/lost\"\nstates = [\"XX\"]")).contains("not a US state")
        );
        assert!(
            err(&peer("url = \"http://x/lost\"\nbbox = [40.0, -95.0, 39.0, -90.0]"))
                .contains("south below north")
        );
        assert!(err(&peer("url = \"http://x/lost\"\nzone = 1")).contains("unknown field"));
        let own = "[[lost_peer]]\nname = \"lost.ks.example\"\nurl = \"http://x/lost\"\nforest_guide = true";
        assert!(err(own).contains("this server's own"));
        let mut no_name = peer("url = \"http://x/lost\"\nforest_guide = true");
        no_name = no_name.replace("lost.mo.example", "localhost");
        assert!(err(&no_name).contains("not a LoST server name"));
        assert!(
            check(Vec::new(), "lost.ks.example", Some(5), None)
                .unwrap_err()
                .to_string()
                .contains("out of range [100, 30000]")
        );
    }
}
