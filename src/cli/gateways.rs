//! `wa-onprem-emulator gateway <gateway> <event> ...`: fire an SMS gateway event, or send an SMS
//! through a gateway, on a running emulator (`/v1/emulator/gateways/...`).

use super::ClientArgs;
use clap::{Args, Subcommand};
use serde_json::{json, Map, Value};

#[derive(Debug, Subcommand)]
pub enum GatewayCommand {
    /// Zender (SmsNotif): sms, whatsapp, ussd, notification.
    Zender {
        #[command(subcommand)]
        event: ZenderEvent,
    },
    /// SMSGateway24: incoming, status, or send (an outbound SMS and its statuses).
    Smsgateway24 {
        #[command(subcommand)]
        event: Smsgateway24Event,
    },
    /// RaspiSMS: receive-sms, send-sms, send-sms-status-change, inbound-call, phone-reliability,
    /// or send (an outbound SMS and its status webhooks).
    Raspisms {
        #[command(subcommand)]
        event: RaspismsEvent,
    },
}

/// What every event takes besides its own fields.
#[derive(Debug, Args)]
pub struct EventArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// bad_secret, bad_signature, stale_timestamp or duplicate.
    #[arg(long)]
    pub fault: Option<String>,
    /// More `data` fields as a JSON object, e.g. '{"sim":2}'.
    #[arg(long)]
    pub data: Option<String>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    #[arg(long)]
    pub to: String,
    #[arg(long)]
    pub text: String,
}

#[derive(Debug, Subcommand)]
pub enum ZenderEvent {
    /// A received SMS.
    Sms {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        message: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A received WhatsApp chat.
    Whatsapp {
        #[arg(long)]
        phone: String,
        #[arg(long)]
        message: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A USSD response.
    Ussd {
        #[arg(long)]
        code: String,
        #[arg(long)]
        response: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// An Android notification.
    Notification {
        #[arg(long)]
        package: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        content: String,
        #[command(flatten)]
        args: EventArgs,
    },
}

#[derive(Debug, Subcommand)]
pub enum Smsgateway24Event {
    /// A received SMS.
    Incoming {
        #[arg(long)]
        address: String,
        #[arg(long)]
        body: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A delivery status (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 100, 101).
    Status {
        #[arg(long)]
        status_id: u32,
        #[arg(long)]
        sendto: String,
        #[arg(long)]
        sms_id: Option<u64>,
        #[command(flatten)]
        args: EventArgs,
    },
    /// An outbound SMS: statuses 1, 3, 2, 6, 7 follow (or a failure, per the recipient rules).
    Send(SendArgs),
}

#[derive(Debug, Subcommand)]
pub enum RaspismsEvent {
    /// A received SMS (over 1,000 characters: one webhook per chunk).
    ReceiveSms {
        #[arg(long)]
        origin: String,
        #[arg(long)]
        text: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A sent SMS (status unknown, or failed).
    SendSms {
        #[arg(long)]
        destination: String,
        #[arg(long)]
        text: String,
        #[arg(long)]
        status: Option<String>,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A sent SMS's new status (delivered, success, failed, unknown).
    SendSmsStatusChange {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        status: String,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A call (inbound unless --direction outbound).
    InboundCall {
        #[arg(long)]
        origin: Option<String>,
        #[arg(long)]
        direction: Option<String>,
        #[command(flatten)]
        args: EventArgs,
    },
    /// A reliability alert of a phone.
    PhoneReliability {
        #[arg(long)]
        total: u64,
        #[arg(long)]
        unreliable: u64,
        #[arg(long)]
        reliability_type: Option<String>,
        #[command(flatten)]
        args: EventArgs,
    },
    /// An outbound SMS: send_sms then send_sms_status_change follow.
    Send(SendArgs),
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// The control API call of a gateway command: (client, path, body).
pub fn request(cmd: &GatewayCommand) -> Res<(&ClientArgs, String, Value)> {
    let event =
        |gateway: &str, name: &str, fields: Value, args: &EventArgs| -> Res<(String, Value)> {
            let mut data: Map<String, Value> = match &args.data {
                Some(text) => serde_json::from_str(text).map_err(|e| format!("--data: {e}"))?,
                None => Map::new(),
            };
            for (k, v) in fields.as_object().into_iter().flatten() {
                if !v.is_null() {
                    data.insert(k.clone(), v.clone());
                }
            }
            let mut body = json!({ "event": name, "data": data });
            if let Some(f) = &args.fault {
                body["fault"] = json!(f);
            }
            Ok((format!("/v1/emulator/gateways/{gateway}/events"), body))
        };
    let send = |gateway: &str, s: &SendArgs| {
        (
            format!("/v1/emulator/gateways/{gateway}/messages"),
            json!({ "to": s.to, "text": s.text }),
        )
    };
    let (client, (path, body)) = match cmd {
        GatewayCommand::Zender { event: e } => match e {
            ZenderEvent::Sms {
                phone,
                message,
                args,
            } => (
                &args.client,
                event(
                    "zender",
                    "sms",
                    json!({"phone": phone, "message": message}),
                    args,
                )?,
            ),
            ZenderEvent::Whatsapp {
                phone,
                message,
                args,
            } => (
                &args.client,
                event(
                    "zender",
                    "whatsapp",
                    json!({"phone": phone, "message": message}),
                    args,
                )?,
            ),
            ZenderEvent::Ussd {
                code,
                response,
                args,
            } => (
                &args.client,
                event(
                    "zender",
                    "ussd",
                    json!({"code": code, "response": response}),
                    args,
                )?,
            ),
            ZenderEvent::Notification {
                package,
                title,
                content,
                args,
            } => (
                &args.client,
                event(
                    "zender",
                    "notification",
                    json!({"package": package, "title": title, "content": content}),
                    args,
                )?,
            ),
        },
        GatewayCommand::Smsgateway24 { event: e } => match e {
            Smsgateway24Event::Incoming {
                address,
                body,
                args,
            } => (
                &args.client,
                event(
                    "smsgateway24",
                    "incoming",
                    json!({"address": address, "body": body}),
                    args,
                )?,
            ),
            Smsgateway24Event::Status {
                status_id,
                sendto,
                sms_id,
                args,
            } => (
                &args.client,
                event(
                    "smsgateway24",
                    "status",
                    json!({"status_id": status_id, "sendto": sendto, "sms_id": sms_id}),
                    args,
                )?,
            ),
            Smsgateway24Event::Send(s) => (&s.client, send("smsgateway24", s)),
        },
        GatewayCommand::Raspisms { event: e } => match e {
            RaspismsEvent::ReceiveSms { origin, text, args } => (
                &args.client,
                event(
                    "raspisms",
                    "receive_sms",
                    json!({"origin": origin, "text": text}),
                    args,
                )?,
            ),
            RaspismsEvent::SendSms {
                destination,
                text,
                status,
                args,
            } => (
                &args.client,
                event(
                    "raspisms",
                    "send_sms",
                    json!({"destination": destination, "text": text, "status": status}),
                    args,
                )?,
            ),
            RaspismsEvent::SendSmsStatusChange { id, status, args } => (
                &args.client,
                event(
                    "raspisms",
                    "send_sms_status_change",
                    json!({"id": id, "status": status}),
                    args,
                )?,
            ),
            RaspismsEvent::InboundCall {
                origin,
                direction,
                args,
            } => (
                &args.client,
                event(
                    "raspisms",
                    "inbound_call",
                    json!({"origin": origin, "direction": direction}),
                    args,
                )?,
            ),
            RaspismsEvent::PhoneReliability {
                total,
                unreliable,
                reliability_type,
                args,
            } => (
                &args.client,
                event(
                    "raspisms",
                    "phone_reliability",
                    json!({"total": total, "unreliable": unreliable, "reliability_type": reliability_type}),
                    args,
                )?,
            ),
            RaspismsEvent::Send(s) => (&s.client, send("raspisms", s)),
        },
    };
    Ok((client, path, body))
}
