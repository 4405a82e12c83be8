//! Other LoST servers, for locations outside this deployment's areas (RFC 5222 §5.4): another
//! state's ECRF for its states or a box around them, a forest guide for everywhere else. A
//! request that asks for recursion is passed on to the peer whose region holds the location
//! and the peer's answer relayed (its `<path>` holding both servers); one that does not is
//! answered with a `<redirect>` naming the peer.
//!
//! - The first peer in configuration order whose region holds the location is chosen: a
//!   civic address by its state (A1), a geodetic shape by its centre in the peer's box; a
//!   forest guide holds every location.
//! - Loops: a peer already in the request's path is never asked (the request is answered
//!   `loop`), and a peer that finds this server in the path answers `loop` itself.
//! - A peer's `<redirect>` is followed (to a configured peer, at most [`MAX_HOPS`] servers in
//!   all); one back to a server the request has been through is a `loop`; one to a server not
//!   configured here is relayed.
//! - A peer's answer is checked before it is relayed: the response to the request (its
//!   `<path>` naming the peer), `<errors>` or `<redirect>`, at most 4 MiB.
//! - One deadline bounds a whole ask (`serverTimeout`); an unreachable peer, an HTTP error or
//!   an answer that is not LoST is a `serverError` — each naming the peer. Either way the
//!   request is then answered from this server's own data (its default mapping, the failure
//!   said in a warning), never left without an answer because a peer is down.
//! - At most [`MAX_ASKS_IN_FLIGHT`] asks at once per node: `/lost` needs no login.

use std::time::Duration;

use domain::Location;
use interop::lost::{self, ErrorKind, LostError, PeerAnswer};

/// The most servers one recursive request is passed to (redirects followed included).
pub const MAX_HOPS: usize = 3;
/// The largest answer taken from a peer (a boundary by value can be large).
pub const MAX_PEER_ANSWER_BYTES: usize = lost::MAX_PEER_ANSWER_BYTES;
/// The most requests passed to peers at once, by this node: `/lost` needs no login, so
/// what it makes this server do elsewhere is bounded.
pub const MAX_ASKS_IN_FLIGHT: usize = 32;

/// Where a peer is authoritative.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Region {
    /// States by two-digit FIPS code (from USPS codes or names in the configuration).
    pub states: Vec<String>,
    /// `[south, west, north, east]` in degrees.
    pub bbox: Option<[f64; 4]>,
    /// A forest guide: every location.
    pub everywhere: bool,
}

/// One peer LoST server.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    /// Its name in LoST (`source`, `<via>`, a redirect's `target`).
    pub name: String,
    /// Where it answers: `https://ecrf.example/lost` (or `http://` on a closed network).
    pub url: String,
    pub region: Region,
}

/// The configured peers and how they are reached.
#[derive(Clone)]
pub struct Peers {
    pub list: Vec<Peer>,
    /// For a whole ask, redirects followed included.
    pub timeout: Duration,
    /// TLS for `https` peers: the authorities trusted, this server's certificate if any.
    tls: tokio_rustls::TlsConnector,
    in_flight: std::sync::Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Peers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peers").field("list", &self.list).field("timeout", &self.timeout).finish()
    }
}

impl Peers {
    /// Peers reached with `tls` (roots to trust, and this server's certificate where peers
    /// ask for one); `None` trusts nobody over TLS, for peers on plain HTTP only.
    pub fn new(
        list: Vec<Peer>,
        timeout: Duration,
        tls: Option<rustls::ClientConfig>,
    ) -> Result<Self, String> {
        let tls = match tls {
            Some(tls) => tls,
            None => crate::tls::peer_client_config_trusting_nobody()
                .map_err(|e| format!("the LoST peer client: {e}"))?,
        };
        let tls = tokio_rustls::TlsConnector::from(std::sync::Arc::new(tls));
        let in_flight = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_ASKS_IN_FLIGHT));
        Ok(Self { list, timeout, tls, in_flight })
    }

    /// The peer for a location outside our areas: the first whose region holds it and that
    /// the request has not passed through (`path`), so a loop is only declared when no other
    /// peer remains. `Err` with the peer skipped for being in the path when that is so.
    pub(super) fn for_location(
        &self,
        at: &Whereabouts,
        path: &[String],
    ) -> Result<Option<&Peer>, &Peer> {
        let holding: Vec<&Peer> = self.list.iter().filter(|p| Self::holds(p, at)).collect();
        let in_path = |p: &Peer| path.iter().any(|via| via.eq_ignore_ascii_case(&p.name));
        match holding.iter().find(|p| !in_path(p)) {
            Some(peer) => Ok(Some(peer)),
            None => holding.first().map_or(Ok(None), |p| Err(*p)),
        }
    }

    fn holds(p: &Peer, at: &Whereabouts) -> bool {
        {
            p.region.everywhere
                || at.state.as_ref().is_some_and(|s| p.region.states.contains(s))
                || match (at.point, p.region.bbox) {
                    (Some((lat, lon)), Some([south, west, north, east])) => {
                        (south..=north).contains(&lat) && (west..=east).contains(&lon)
                    }
                    _ => false,
                }
        }
    }

    fn by_name(&self, name: &str) -> Option<&Peer> {
        self.list.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Passes `request_xml` (a `request` such as `findService`) to `peer` and returns its
    /// answer to relay, following its redirects to other configured peers. `path` is the
    /// request's path with this server's source already last.
    pub async fn ask(
        &self,
        peer: &Peer,
        request: &str,
        request_xml: &[u8],
        path: &[String],
        source: &str,
    ) -> Result<String, LostError> {
        let Ok(_permit) = self.in_flight.clone().try_acquire_owned() else {
            return Err(LostError::new(
                ErrorKind::ServerError,
                format!(
                    "{source} is passing {MAX_ASKS_IN_FLIGHT} requests to its peers already; ask again"
                ),
            ));
        };
        // One deadline for the whole ask, redirects followed included.
        match tokio::time::timeout(
            self.timeout,
            self.ask_within(peer, request, request_xml, path, source),
        )
        .await
        {
            Ok(answer) => answer,
            Err(_) => Err(LostError::new(
                ErrorKind::ServerTimeout,
                format!(
                    "the LoST peer {} did not answer within {} ms",
                    peer.name,
                    self.timeout.as_millis()
                ),
            )),
        }
    }

    async fn ask_within(
        &self,
        peer: &Peer,
        request: &str,
        request_xml: &[u8],
        path: &[String],
        source: &str,
    ) -> Result<String, LostError> {
        let body = lost::forwarded_request(request_xml, path)?;
        let mut asked: Vec<&str> = Vec::new();
        let mut next = peer;
        loop {
            asked.push(&next.name);
            let answer = self.post(next, &body).await?;
            match lost::read_peer_answer(answer.as_bytes(), request, &next.name) {
                Ok(PeerAnswer::Answer) => return Ok(answer),
                Ok(PeerAnswer::Redirect { target }) => {
                    // A redirect back to a server this request has been through is a loop.
                    let been = target.eq_ignore_ascii_case(source)
                        || asked.iter().any(|a| a.eq_ignore_ascii_case(&target))
                        || path.iter().any(|p| p.eq_ignore_ascii_case(&target));
                    if been {
                        return Err(LostError::new(
                            ErrorKind::Loop,
                            format!(
                                "{} redirected the request to {target}, which it has already been through",
                                next.name
                            ),
                        ));
                    }
                    match self.by_name(&target) {
                        Some(target) if asked.len() < MAX_HOPS => next = target,
                        Some(_) => {
                            return Err(LostError::new(
                                ErrorKind::ServerError,
                                format!(
                                    "the peers redirected this request more than {MAX_HOPS} times"
                                ),
                            ));
                        }
                        // Not a server we know how to reach: the client is told where to ask.
                        None => return Ok(answer),
                    }
                }
                Err(why) => {
                    return Err(LostError::new(
                        ErrorKind::ServerError,
                        format!("the LoST peer {} answered with {why}", next.name),
                    ));
                }
            }
        }
    }

    async fn post(&self, peer: &Peer, body: &str) -> Result<String, LostError> {
        self.exchange(peer, body).await.map_err(|why| {
            LostError::new(
                ErrorKind::ServerError,
                format!("the LoST peer {} could not be asked: {why}", peer.name),
            )
        })
    }

    /// One HTTP/1.1 POST of `body` to the peer, over TLS for `https`; the answer's text.
    async fn exchange(&self, peer: &Peer, body: &str) -> Result<String, String> {
        use http_body_util::{BodyExt, Full, Limited};
        let uri: hyper::Uri = peer.url.parse().map_err(|e| format!("its url: {e}"))?;
        let https = uri.scheme_str() == Some("https");
        let host = uri.host().ok_or("its url has no host")?.to_owned();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let tcp = tokio::net::TcpStream::connect((host.trim_matches(['[', ']']), port))
            .await
            .map_err(|e| e.to_string())?;
        let authority = uri.authority().map_or(host.clone(), ToString::to_string);
        let path = uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
        let request = hyper::Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, crate::routes::lost::LOST_MEDIA_TYPE)
            .header(hyper::header::USER_AGENT, concat!("crisisbridge/", env!("CARGO_PKG_VERSION")))
            .body(Full::new(hyper::body::Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        let response = if https {
            let name =
                rustls::pki_types::ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
                    .map_err(|e| format!("its host name: {e}"))?;
            let stream = self.tls.connect(name, tcp).await.map_err(|e| format!("TLS: {e}"))?;
            send(hyper_util::rt::TokioIo::new(stream), request).await?
        } else {
            send(hyper_util::rt::TokioIo::new(tcp), request).await?
        };
        if !response.status().is_success() {
            return Err(format!("it answered HTTP {}", response.status().as_u16()));
        }
        let bytes = Limited::new(response.into_body(), MAX_PEER_ANSWER_BYTES)
            .collect()
            .await
            .map_err(|e| format!("its answer: {e} (at most {MAX_PEER_ANSWER_BYTES} bytes)"))?
            .to_bytes();
        String::from_utf8(Vec::from(bytes)).map_err(|_| "its answer is not UTF-8 text".to_owned())
    }
}

/// Sends one request on a new HTTP/1.1 connection and returns the response.
async fn send<S>(
    io: S,
    request: hyper::Request<http_body_util::Full<hyper::body::Bytes>>,
) -> Result<hyper::Response<hyper::body::Incoming>, String>
where
    S: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(io).await.map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        // Ends with the response, or with the request's timeout dropping the sender.
        let _ = connection.await;
    });
    sender.send_request(request).await.map_err(|e| e.to_string())
}

/// Where a location is, as far as choosing a peer needs: its state (a civic address's A1 as
/// a FIPS code) and a point (a shape's centre).
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Whereabouts {
    pub state: Option<String>,
    pub point: Option<(f64, f64)>,
}

impl Whereabouts {
    pub(super) fn of(location: &Location) -> Self {
        let point = match location {
            Location::Unknown => None,
            Location::Circle { center, .. } => Some((center.lat.degrees(), center.lon.degrees())),
            Location::Polygon(p) => {
                let n = p.vertices().len().max(1);
                #[allow(clippy::cast_precision_loss)] // at most 1000 vertices
                let n = n as f64;
                let (lat, lon) = p
                    .vertices()
                    .iter()
                    .fold((0.0, 0.0), |(a, b), v| (a + v.lat.degrees(), b + v.lon.degrees()));
                Some((lat / n, lon / n))
            }
        };
        Self { state: None, point }
    }
}
