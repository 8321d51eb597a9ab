//! Counters and gauges of the emulator, kept in one prometheus-client registry. `/metrics` encodes
//! it as Prometheus text; `/v1/stats/app` turns the same text into the On-Prem JSON shape.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use serde_json::{json, Map, Value};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ApiLabels {
    pub route: String,
    pub method: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallbackLabels {
    /// `success` or the failure reason: `http_status`, `timeout`, `redirect`, `connection`.
    pub result: String,
    /// `inbound_message`, `status_change` or `error`.
    pub r#type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct KindLabel {
    pub r#type: String,
}

pub struct Metrics {
    registry: Registry,
    pub api_requests: Family<ApiLabels, Counter>,
    pub callback_requests: Family<CallbackLabels, Counter>,
    pub callbacks_given_up: Family<KindLabel, Counter>,
    pub callback_latency: Histogram,
    pub callback_queue_size: Gauge,
    pub callback_posts: Counter,
    pub messages_sent: Counter,
    pub messages_received: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let api_requests = Family::<ApiLabels, Counter>::default();
        let callback_requests = Family::<CallbackLabels, Counter>::default();
        let callbacks_given_up = Family::<KindLabel, Counter>::default();
        let callback_latency = Histogram::new(exponential_buckets(0.0005, 2.0, 16));
        let callback_queue_size = Gauge::default();
        let callback_posts = Counter::default();
        let messages_sent = Counter::default();
        let messages_received = Counter::default();
        let mut r = Registry::default();
        r.register(
            "api_requests",
            "API requests by route, method and HTTP status",
            api_requests.clone(),
        );
        r.register(
            "callback_requests",
            "Callback delivery attempts by result and notification type",
            callback_requests.clone(),
        );
        r.register(
            "callbacks_given_up",
            "Callbacks given up after the retry horizon",
            callbacks_given_up.clone(),
        );
        r.register(
            "callback_delivery_latency_seconds",
            "From a callback's due time to its HTTP 200",
            callback_latency.clone(),
        );
        r.register(
            "callback_queue_size",
            "Pending callbacks (waiting or in flight)",
            callback_queue_size.clone(),
        );
        r.register(
            "callback_posts",
            "Webhook POSTs made (a POST may carry several notifications)",
            callback_posts.clone(),
        );
        r.register(
            "messages_sent",
            "Messages accepted by POST /v1/messages",
            messages_sent.clone(),
        );
        r.register(
            "messages_received",
            "Inbound messages injected by the control API",
            messages_received.clone(),
        );
        Metrics {
            registry: r,
            api_requests,
            callback_requests,
            callbacks_given_up,
            callback_latency,
            callback_queue_size,
            callback_posts,
            messages_sent,
            messages_received,
        }
    }
}

impl Metrics {
    /// The Prometheus text exposition of every metric.
    pub fn prometheus(&self) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}

/// Converts Prometheus text into the On-Prem stats shape:
/// `{"<name>": {"type", "help", "data": [{"labels": {...}, "value": n}]}}`.
pub fn text_to_stats(text: &str) -> Value {
    let mut out = Map::new();
    let mut family = String::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (name, help) = rest.split_once(' ').unwrap_or((rest, ""));
            family = name.to_string();
            out.insert(
                family.clone(),
                json!({ "type": "untyped", "help": help, "data": [] }),
            );
        } else if let Some(rest) = line.strip_prefix("# TYPE ") {
            if let (Some((_, kind)), Some(entry)) = (rest.split_once(' '), out.get_mut(&family)) {
                entry["type"] = json!(kind);
            }
        } else if !line.starts_with('#') && !line.is_empty() {
            let (series, value) = line.rsplit_once(' ').unwrap_or((line, "0"));
            let (name, labels) = match series.split_once('{') {
                Some((n, l)) => (n, parse_labels(l.trim_end_matches('}'))),
                None => (series, Map::new()),
            };
            let mut item =
                json!({ "labels": labels, "value": value.parse::<f64>().unwrap_or(0.0) });
            if name != family && name != format!("{family}_total") {
                item["sample"] = json!(name);
            }
            if let Some(data) = out.get_mut(&family).and_then(|e| e["data"].as_array_mut()) {
                data.push(item);
            }
        }
    }
    Value::Object(out)
}

fn parse_labels(s: &str) -> Map<String, Value> {
    let mut labels = Map::new();
    let mut rest = s;
    while let Some((key, after)) = rest.split_once("=\"") {
        let end = after
            .find("\",")
            .or_else(|| after.rfind('"'))
            .unwrap_or(after.len());
        labels.insert(
            key.trim_start_matches(',').to_string(),
            json!(&after[..end]),
        );
        rest = after.get(end + 1..).unwrap_or("");
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_json_mirrors_the_text() {
        let m = Metrics::default();
        m.api_requests
            .get_or_create(&ApiLabels {
                route: "/v1/health".into(),
                method: "GET".into(),
                status: "200".into(),
            })
            .inc_by(3);
        m.callback_queue_size.set(7);
        m.callback_latency.observe(0.002);
        let text = m.prometheus();
        assert!(
            text.contains(
                "api_requests_total{route=\"/v1/health\",method=\"GET\",status=\"200\"} 3"
            ),
            "{text}"
        );
        let stats = text_to_stats(&text);
        assert_eq!(stats["api_requests"]["type"], "counter");
        assert_eq!(
            stats["api_requests"]["data"][0],
            json!({"labels":{"route":"/v1/health","method":"GET","status":"200"},"value":3.0})
        );
        assert_eq!(stats["callback_queue_size"]["data"][0]["value"], 7.0);
        assert_eq!(
            stats["callback_delivery_latency_seconds"]["type"],
            "histogram"
        );
    }
}
