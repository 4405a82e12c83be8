//! The demo users' sessions on the real HTTP API.

use std::time::Duration;

use anyhow::{Context, bail};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use super::at;
use crate::demo::DEMO_PASSWORD;

/// The API as the demo users see it: one session per user, logged in again when it ends.
pub(super) struct Api {
    http: reqwest::Client,
    base: String,
    tokens: Mutex<std::collections::HashMap<&'static str, String>>,
}

impl Api {
    pub(super) fn new(base: String) -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { http, base, tokens: Mutex::default() }
    }

    async fn login(&self, user: &'static str) -> anyhow::Result<String> {
        let response = self
            .http
            .post(format!("{}/api/v1/sessions", self.base))
            .json(&json!({"username": user, "password": DEMO_PASSWORD}))
            .send()
            .await?;
        if response.status() != StatusCode::CREATED {
            bail!("demo login {user} answered {}", response.status());
        }
        let body: Value = response.json().await?;
        let token =
            at(&body, "/token").as_str().context("the login answer has no token")?.to_owned();
        self.tokens.lock().await.insert(user, token.clone());
        Ok(token)
    }

    /// Sends a request as `user`; a 2xx answer's JSON, else an error naming the status.
    pub(super) async fn send(
        &self,
        user: &'static str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        for attempt in 0..2 {
            // The lock must be released before `login`, which takes it again.
            let cached = self.tokens.lock().await.get(user).cloned();
            let token = match cached {
                Some(token) if attempt == 0 => token,
                _ => self.login(user).await?,
            };
            let mut request = self
                .http
                .request(method.clone(), format!("{}/api/v1{path}", self.base))
                .bearer_auth(token);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                continue;
            }
            let value: Value = response.json().await.unwrap_or(Value::Null);
            if status.is_success() {
                return Ok(value);
            }
            bail!("{method} {path} as {user}: {status} {}", at(&value, "/error/message"));
        }
        bail!("{method} {path} as {user}: the session was refused twice")
    }
}
