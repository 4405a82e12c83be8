//! Running the real binary: start it, find the address it printed, stop it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::{Value, json};

pub const BIN: &str = env!("CARGO_BIN_EXE_crisisbridge");

/// A running `crisisbridge demo`.
pub struct Demo {
    pub child: Child,
    pub base: String,
    pub banner: Vec<String>,
    pub client: reqwest::Client,
}

impl Demo {
    /// Starts `crisisbridge demo --listen 127.0.0.1:0 --no-traffic --data DIR` (no synthetic
    /// calls: tests count what they did) and waits for its banner.
    pub fn start(data: &Path) -> Self {
        let data = data.display().to_string();
        Self::spawn(&["demo", "--listen", "127.0.0.1:0", "--no-traffic", "--data", &data])
    }

    /// [`Demo::start`] for another region (`kansas`, `manhattan`).
    pub fn start_region(data: &Path, region: &str) -> Self {
        let data = data.display().to_string();
        Self::spawn(&[
            "demo",
            "--region",
            region,
            "--listen",
            "127.0.0.1:0",
            "--no-traffic",
            "--data",
            &data,
        ])
    }

    /// Starts `crisisbridge serve --config FILE` and waits for its address.
    pub fn serve(config: &Path) -> Self {
        Self::spawn(&["serve", "--config", &config.display().to_string()])
    }

    fn spawn(args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(args)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                if tx.send(line.unwrap()).is_err() {
                    break;
                }
            }
        });
        let mut banner = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the demo printed no address within 60 s");
            banner.push(line.clone());
            if let Some(base) = line.strip_prefix("listening on ") {
                return Self {
                    child,
                    base: base.to_owned(),
                    banner,
                    client: reqwest::Client::new(),
                };
            }
        }
    }

    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    pub async fn login(&self, username: &str) -> String {
        let response = self
            .client
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"username": username, "password": "crisisbridge-demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "demo login {username}");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn create_incident(
        &self,
        token: &str,
        summary: &str,
    ) -> reqwest::Result<reqwest::Response> {
        create_incident(&self.client, &self.base, token, summary).await
    }

    pub async fn get_json(&self, token: &str, path: &str) -> Value {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        response.json().await.unwrap()
    }
}

/// Opens a 911 incident in Lawrence, KS.
pub async fn create_incident(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    summary: &str,
) -> reqwest::Result<reqwest::Response> {
    client
        .post(format!("{base}/api/v1/incidents"))
        .bearer_auth(token)
        .json(&json!({
            "channel": "911",
            "location": {"type": "point", "lat": 38.9717, "lon": -95.2353, "radius_m": 30},
            "callback_number": "785-555-0100",
            "summary": summary
        }))
        .send()
        .await
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the binary to completion; returns (success, stdout, stderr).
pub fn run(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut command = Command::new(BIN);
    command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command.env_remove("CRISISBRIDGE_PASSWORD").env_remove("CRISISBRIDGE_DATABASE_URL");
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let output = child.wait_with_output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}
