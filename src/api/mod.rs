//! The HTTP surface: one file per On-Prem resource group. Handlers translate HTTP <-> domain calls.
//!
//! Every route is declared once in `route_table()`, which both builds the router and lists the
//! routes for the OpenAPI consistency test. Unknown paths answer 1006/404, known paths with a
//! wrong method 1025/405, both in the On-Prem envelope.

mod account;
mod auth;
mod backup;
mod body;
mod certificates;
mod cloud;
mod cloud_templates;
mod contacts;
mod emulator;
mod error;
mod gateways;
pub mod graph;
mod groups;
mod health;
mod inspector;
mod media;
mod messages;
mod profile;
mod providers;
mod raspisms;
mod session;
mod settings;
mod smsgateway24;
mod stats;
mod support;
mod users;
mod zender;

pub use auth::{Admin, Bearer, Monitor};
pub use body::{parse_json, read_body, Json};
pub use inspector::asset_names as inspector_assets;

use crate::wa::{envelope, ApiError};
use actix_web::http::Method;
use actix_web::{guard, web, HttpRequest, HttpResponse, Route};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

#[rustfmt::skip]
fn route_table() -> Vec<(&'static str, Method, Route)> {
    use Method as M;
    vec![
        ("/v1/users/login", M::POST, web::post().to(users::login)),
        ("/v1/users/logout", M::POST, web::post().to(users::logout)),
        ("/v1/users", M::POST, web::post().to(users::create)),
        ("/v1/users", M::GET, get().to(users::list)),
        ("/v1/users/{username}", M::GET, get().to(users::get)),
        ("/v1/users/{username}", M::PUT, web::put().to(users::update)),
        ("/v1/users/{username}", M::DELETE, web::delete().to(users::delete)),
        ("/v1/settings/application", M::GET, get().to(settings::get)),
        ("/v1/settings/application", M::PATCH, web::patch().to(settings::patch)),
        ("/v1/settings/application", M::DELETE, web::delete().to(settings::reset)),
        ("/v1/certificates/webhooks/ca", M::POST, web::post().to(certificates::upload_webhook_ca)),
        ("/v1/certificates/webhooks/ca", M::GET, get().to(certificates::get_webhook_ca)),
        ("/v1/certificates/webhooks/ca", M::DELETE, web::delete().to(certificates::delete_webhook_ca)),
        ("/v1/certificates/external/ca", M::GET, get().to(certificates::get_external_ca)),
        ("/v1/health", M::GET, get().to(health::get)),
        ("/v1/stats/app", M::GET, get().to(stats::app)),
        ("/v1/stats/db", M::GET, get().to(stats::db)),
        ("/metrics", M::GET, get().to(stats::metrics)),
        ("/v1/messages", M::POST, web::post().to(messages::send)),
        ("/v1/messages/{id}", M::PUT, web::put().to(messages::mark_read)),
        ("/v1/contacts", M::POST, web::post().to(contacts::check)),
        ("/v1/media", M::POST, web::post().to(media::upload)),
        ("/v1/media/{id}", M::GET, get().to(media::download)),
        ("/v1/media/{id}", M::DELETE, web::delete().to(media::delete)),
        // The emulator's own control API.
        ("/v1/emulator/inbound", M::POST, web::post().to(emulator::inbound)),
        ("/v1/emulator/inbound", M::GET, get().to(emulator::list_inbound)),
        ("/v1/emulator/messages", M::GET, get().to(emulator::list_messages)),
        ("/v1/emulator/messages/{id}", M::GET, get().to(emulator::get_message)),
        ("/v1/emulator/messages/{id}/status", M::POST, web::post().to(emulator::force_status)),
        ("/v1/emulator/errors", M::POST, web::post().to(emulator::emit_errors)),
        ("/v1/emulator/callbacks", M::GET, get().to(emulator::list_callbacks)),
        ("/v1/emulator/callbacks/redeliver", M::POST, web::post().to(emulator::redeliver_all)),
        ("/v1/emulator/callbacks/{id}", M::GET, get().to(emulator::get_callback)),
        ("/v1/emulator/callbacks/{id}/redeliver", M::POST, web::post().to(emulator::redeliver)),
        ("/v1/emulator/rules", M::GET, get().to(emulator::get_rules)),
        ("/v1/emulator/rules", M::PUT, web::put().to(emulator::put_rules)),
        ("/v1/emulator/templates", M::GET, get().to(emulator::get_templates)),
        ("/v1/emulator/templates", M::PUT, web::put().to(emulator::put_templates)),
        ("/v1/emulator/reset", M::POST, web::post().to(emulator::reset)),
        ("/v1/emulator/faults", M::PUT, web::put().to(emulator::set_faults)),
        ("/v1/emulator/events", M::GET, get().to(emulator::events)),
        // The Cloud API's control routes.
        ("/v1/emulator/cloud", M::GET, get().to(cloud::get)),
        ("/v1/emulator/cloud", M::PUT, web::put().to(cloud::put)),
        ("/v1/emulator/cloud/inbound", M::POST, web::post().to(cloud::inbound)),
        // The live inspector: the page, its assets, and its cookie session.
        ("/", M::GET, get().to(inspector::index)),
        ("/inspector/{asset}", M::GET, get().to(inspector::asset)),
        ("/v1/emulator/session", M::POST, web::post().to(session::sign_in)),
        ("/v1/emulator/session", M::GET, get().to(session::get)),
        ("/v1/emulator/session", M::DELETE, web::delete().to(session::sign_out)),
        // The SMS gateway personalities: one literal path per gateway, as each takes its own bodies.
        ("/v1/emulator/gateways/zender", M::PUT, web::put().to(gateways::put::<gateways::Zender>)),
        ("/v1/emulator/gateways/zender", M::GET, get().to(gateways::get::<gateways::Zender>)),
        ("/v1/emulator/gateways/zender", M::DELETE, web::delete().to(gateways::delete::<gateways::Zender>)),
        ("/v1/emulator/gateways/zender/events", M::POST, web::post().to(gateways::event::<gateways::Zender>)),
        ("/v1/emulator/gateways/zender/messages", M::POST, web::post().to(gateways::send::<gateways::Zender>)),
        ("/v1/emulator/gateways/smsgateway24", M::PUT, web::put().to(gateways::put::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/smsgateway24", M::GET, get().to(gateways::get::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/smsgateway24", M::DELETE, web::delete().to(gateways::delete::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/smsgateway24/events", M::POST, web::post().to(gateways::event::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/smsgateway24/messages", M::POST, web::post().to(gateways::send::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/raspisms", M::PUT, web::put().to(gateways::put::<gateways::Raspisms>)),
        ("/v1/emulator/gateways/raspisms", M::GET, get().to(gateways::get::<gateways::Raspisms>)),
        ("/v1/emulator/gateways/raspisms", M::DELETE, web::delete().to(gateways::delete::<gateways::Raspisms>)),
        ("/v1/emulator/gateways/raspisms/events", M::POST, web::post().to(gateways::event::<gateways::Raspisms>)),
        ("/v1/emulator/gateways/raspisms/messages", M::POST, web::post().to(gateways::send::<gateways::Raspisms>)),
        // On-Premises: registration, two-step, profile, business profile, backup/restore, media
        // providers, support, /v1/metrics, the listener's certificate (issue 19, not groups).
        ("/v1/account", M::POST, web::post().to(account::request_code)),
        ("/v1/account/verify", M::POST, web::post().to(account::verify)),
        ("/v1/account/shards", M::POST, web::post().to(account::shards)),
        ("/v1/settings/account/two-step", M::POST, web::post().to(account::enable_two_step)),
        ("/v1/settings/account/two-step", M::DELETE, web::delete().to(account::disable_two_step)),
        ("/v1/settings/profile/about", M::GET, get().to(profile::get_about)),
        ("/v1/settings/profile/about", M::PATCH, web::patch().to(profile::patch_about)),
        ("/v1/settings/profile/photo", M::GET, get().to(profile::get_photo)),
        ("/v1/settings/profile/photo", M::POST, web::post().to(profile::post_photo)),
        ("/v1/settings/profile/photo", M::DELETE, web::delete().to(profile::delete_photo)),
        ("/v1/settings/business/profile", M::GET, get().to(profile::get_business)),
        ("/v1/settings/business/profile", M::POST, web::post().to(profile::post_business)),
        ("/v1/settings/backup", M::POST, web::post().to(backup::backup)),
        ("/v1/settings/restore", M::POST, web::post().to(backup::restore)),
        ("/v1/settings/application/media/providers", M::GET, get().to(providers::list)),
        ("/v1/settings/application/media/providers", M::POST, web::post().to(providers::add)),
        ("/v1/settings/application/media/providers/{name}", M::DELETE, web::delete().to(providers::delete)),
        ("/v1/support", M::GET, get().to(support::get)),
        ("/v1/metrics", M::GET, get().to(stats::metrics)),
        ("/v1/certificates/external", M::POST, web::post().to(certificates::upload_external)),
        ("/v1/emulator/account", M::GET, get().to(account::control)),
        (profile::PHOTO_LINK_PATH, M::GET, get().to(profile::public_photo)),
        // Groups (On-Prem, deprecated by Meta), then the control routes that play their customers.
        ("/v1/groups", M::POST, web::post().to(groups::create)),
        ("/v1/groups", M::GET, get().to(groups::list)),
        ("/v1/groups/{id}", M::GET, get().to(groups::info)),
        ("/v1/groups/{id}", M::PUT, web::put().to(groups::update)),
        ("/v1/groups/{id}/invite", M::GET, get().to(groups::invite)),
        ("/v1/groups/{id}/invite", M::DELETE, web::delete().to(groups::revoke_invite)),
        ("/v1/groups/{id}/participants", M::DELETE, web::delete().to(groups::remove_participants)),
        ("/v1/groups/{id}/admins", M::PATCH, web::patch().to(groups::promote)),
        ("/v1/groups/{id}/admins", M::DELETE, web::delete().to(groups::demote)),
        ("/v1/groups/{id}/icon", M::POST, web::post().to(groups::set_icon)),
        ("/v1/groups/{id}/icon", M::GET, get().to(groups::get_icon)),
        ("/v1/groups/{id}/icon", M::DELETE, web::delete().to(groups::delete_icon)),
        ("/v1/groups/{id}/leave", M::POST, web::post().to(groups::leave)),
        ("/v1/emulator/groups", M::GET, get().to(groups::control_list)),
        ("/v1/emulator/groups/join", M::POST, web::post().to(groups::control_join_link)),
        ("/v1/emulator/groups/{id}/participants", M::POST, web::post().to(groups::control_join)),
        ("/v1/emulator/groups/{id}/participants", M::DELETE, web::delete().to(groups::control_leave)),
        ("/v1/emulator/groups/{id}/messages", M::POST, web::post().to(groups::control_message)),
        // Zender's own HTTP API: form/query routes in Zender's envelope, always HTTP 200 (code in `status`).
        ("/zender/api/send/sms", M::GET, get().to(zender::call)),
        ("/zender/api/send/sms", M::POST, web::post().to(zender::call)),
        ("/zender/api/send/sms.bulk", M::GET, get().to(zender::call)),
        ("/zender/api/send/sms.bulk", M::POST, web::post().to(zender::call)),
        ("/zender/api/send/whatsapp", M::GET, get().to(zender::call)),
        ("/zender/api/send/whatsapp", M::POST, web::post().to(zender::call)),
        ("/zender/api/send/ussd", M::GET, get().to(zender::call)),
        ("/zender/api/send/ussd", M::POST, web::post().to(zender::call)),
        ("/zender/api/send/otp", M::GET, get().to(zender::call)),
        ("/zender/api/send/otp", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/sms.sent", M::GET, get().to(zender::call)),
        ("/zender/api/get/sms.sent", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/sms.pending", M::GET, get().to(zender::call)),
        ("/zender/api/get/sms.pending", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/sms.received", M::GET, get().to(zender::call)),
        ("/zender/api/get/sms.received", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/sms.message", M::GET, get().to(zender::call)),
        ("/zender/api/get/sms.message", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/wa.accounts", M::GET, get().to(zender::call)),
        ("/zender/api/get/wa.accounts", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/wa.sent", M::GET, get().to(zender::call)),
        ("/zender/api/get/wa.sent", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/wa.received", M::GET, get().to(zender::call)),
        ("/zender/api/get/wa.received", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/devices", M::GET, get().to(zender::call)),
        ("/zender/api/get/devices", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/credits", M::GET, get().to(zender::call)),
        ("/zender/api/get/credits", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/otp", M::GET, get().to(zender::call)),
        ("/zender/api/get/otp", M::POST, web::post().to(zender::call)),
        ("/zender/api/delete/sms.sent", M::GET, get().to(zender::call)),
        ("/zender/api/delete/sms.sent", M::POST, web::post().to(zender::call)),
        ("/zender/api/delete/sms.received", M::GET, get().to(zender::call)),
        ("/zender/api/delete/sms.received", M::POST, web::post().to(zender::call)),
        ("/zender/api/delete/wa.sent", M::GET, get().to(zender::call)),
        ("/zender/api/delete/wa.sent", M::POST, web::post().to(zender::call)),
        ("/zender/api/delete/wa.received", M::GET, get().to(zender::call)),
        ("/zender/api/delete/wa.received", M::POST, web::post().to(zender::call)),
        ("/zender/api/send/{service}", M::GET, get().to(zender::call)),
        ("/zender/api/send/{service}", M::POST, web::post().to(zender::call)),
        ("/zender/api/get/{service}", M::GET, get().to(zender::call)),
        ("/zender/api/get/{service}", M::POST, web::post().to(zender::call)),
        ("/zender/api/delete/{service}", M::GET, get().to(zender::call)),
        ("/zender/api/delete/{service}", M::POST, web::post().to(zender::call)),
        ("/zender/uploads/{id}/{filename}", M::GET, get().to(zender::upload)),
        ("/v1/emulator/gateways/zender/messages", M::GET, get().to(zender::messages)),
        // Cloud message templates (cloud-templates): the review and quality decisions.
        ("/v1/emulator/cloud/templates/{id}/status", M::POST, web::post().to(cloud_templates::status)),
        ("/v1/emulator/cloud/templates/{id}/quality", M::POST, web::post().to(cloud_templates::quality)),
        ("/v1/emulator/cloud/templates/{id}/category", M::POST, web::post().to(cloud_templates::category)),
        // What went through the SMSGateway24 and RaspiSMS own APIs (control API).
        ("/v1/emulator/gateways/smsgateway24/messages", M::GET, get().to(gateways::messages::<gateways::Smsgateway24>)),
        ("/v1/emulator/gateways/raspisms/messages", M::GET, get().to(gateways::messages::<gateways::Raspisms>)),
        // SMSGateway24's own API (GET or POST each), answered in its envelope.
        ("/smsgateway24/getdata/gettoken", M::GET, get().to(smsgateway24::gettoken)),
        ("/smsgateway24/getdata/gettoken", M::POST, web::post().to(smsgateway24::gettoken)),
        ("/smsgateway24/getdata/addsms", M::GET, get().to(smsgateway24::addsms)),
        ("/smsgateway24/getdata/addsms", M::POST, web::post().to(smsgateway24::addsms)),
        ("/smsgateway24/getdata/addalotofsms", M::GET, get().to(smsgateway24::addalotofsms)),
        ("/smsgateway24/getdata/addalotofsms", M::POST, web::post().to(smsgateway24::addalotofsms)),
        ("/smsgateway24/getdata/getsmsstatus", M::GET, get().to(smsgateway24::getsmsstatus)),
        ("/smsgateway24/getdata/getsmsstatus", M::POST, web::post().to(smsgateway24::getsmsstatus)),
        ("/smsgateway24/getdata/getallsms", M::GET, get().to(smsgateway24::getallsms)),
        ("/smsgateway24/getdata/getallsms", M::POST, web::post().to(smsgateway24::getallsms)),
        ("/smsgateway24/getdata/getdevicestatus", M::GET, get().to(smsgateway24::getdevicestatus)),
        ("/smsgateway24/getdata/getdevicestatus", M::POST, web::post().to(smsgateway24::getdevicestatus)),
        ("/smsgateway24/getdata/getalldevices", M::GET, get().to(smsgateway24::getalldevices)),
        ("/smsgateway24/getdata/getalldevices", M::POST, web::post().to(smsgateway24::getalldevices)),
        ("/smsgateway24/getdata/savetag", M::GET, get().to(smsgateway24::savetag)),
        ("/smsgateway24/getdata/savetag", M::POST, web::post().to(smsgateway24::savetag)),
        ("/smsgateway24/getdata/savecontact", M::GET, get().to(smsgateway24::savecontact)),
        ("/smsgateway24/getdata/savecontact", M::POST, web::post().to(smsgateway24::savecontact)),
        ("/smsgateway24/getdata/savepaket", M::GET, get().to(smsgateway24::savepaket)),
        ("/smsgateway24/getdata/savepaket", M::POST, web::post().to(smsgateway24::savepaket)),
        // RaspiSMS's own API (trailing slash optional), answered in its envelope.
        ("/raspisms/api/scheduled/", M::POST, web::post().to(raspisms::post_scheduled)),
        ("/raspisms/api/scheduled/{id}/", M::DELETE, web::delete().to(raspisms::delete_scheduled)),
        ("/raspisms/api/send-sms/", M::GET, get().to(raspisms::send_sms)),
        ("/raspisms/api/list/{entry_type}/", M::GET, get().to(raspisms::list)),
        ("/raspisms/api/list/{entry_type}/{page}/", M::GET, get().to(raspisms::list_page)),
        ("/raspisms/api/list/{entry_type}/after/{id}/", M::GET, get().to(raspisms::list_after)),
        ("/raspisms/api/list/{entry_type}/before/{id}/", M::GET, get().to(raspisms::list_before)),
        ("/raspisms/api/usage/", M::GET, get().to(raspisms::usage)),
        ("/raspisms/api/stats/sms-status/", M::GET, get().to(raspisms::sms_status_stats)),
    ]
}

/// The Cloud API's Graph routes, under `/{version}` (`vNN.N` only, so `/v1/...` never matches),
/// plus the media download URL. Failures, unknown paths and wrong methods answer the Graph
/// envelope.
#[rustfmt::skip]
fn graph_route_table() -> Vec<(&'static str, Method, Route)> {
    use Method as M;
    vec![
        ("/{phone_number_id}/messages", M::POST, web::post().to(graph::messages::send)),
        ("/{phone_number_id}/media", M::POST, web::post().to(graph::media::upload)),
        // Cloud management (cloud-templates): any object by id (media, templates; see
        // graph/objects.rs), message templates on a WABA.
        ("/{id}", M::GET, get().to(graph::objects::get)),
        ("/{id}", M::POST, web::post().to(graph::objects::post)),
        ("/{id}", M::DELETE, web::delete().to(graph::objects::delete)),
        ("/{waba_id}/message_templates", M::GET, get().to(graph::templates::list)),
        ("/{waba_id}/message_templates", M::POST, web::post().to(graph::templates::create)),
        ("/{waba_id}/message_templates", M::DELETE, web::delete().to(graph::templates::delete)),
        ("/{id}/unpause", M::POST, web::post().to(graph::templates::unpause)),
        ("/{waba_id}/subscribed_apps", M::GET, get().to(graph::subscribed_apps::list)),
        ("/{waba_id}/subscribed_apps", M::POST, web::post().to(graph::subscribed_apps::subscribe)),
        ("/{waba_id}/subscribed_apps", M::DELETE, web::delete().to(graph::subscribed_apps::unsubscribe)),
        // Cloud phone numbers: registration, two-step PIN, business profile, blocks, QR codes, commerce.
        ("/{waba_id}/phone_numbers", M::GET, get().to(graph::phone_numbers::list)),
        ("/{phone_number_id}/register", M::POST, web::post().to(graph::phone_numbers::register)),
        ("/{phone_number_id}/deregister", M::POST, web::post().to(graph::phone_numbers::deregister)),
        ("/{phone_number_id}/request_code", M::POST, web::post().to(graph::phone_numbers::request_code)),
        ("/{phone_number_id}/verify_code", M::POST, web::post().to(graph::phone_numbers::verify_code)),
        ("/{phone_number_id}/whatsapp_business_profile", M::GET, get().to(graph::business::get_profile)),
        ("/{phone_number_id}/whatsapp_business_profile", M::POST, web::post().to(graph::business::update_profile)),
        ("/{phone_number_id}/whatsapp_commerce_settings", M::GET, get().to(graph::business::get_commerce)),
        ("/{phone_number_id}/whatsapp_commerce_settings", M::POST, web::post().to(graph::business::update_commerce)),
        ("/{phone_number_id}/block_users", M::GET, get().to(graph::blocks::list)),
        ("/{phone_number_id}/block_users", M::POST, web::post().to(graph::blocks::block)),
        ("/{phone_number_id}/block_users", M::DELETE, web::delete().to(graph::blocks::unblock)),
        ("/{phone_number_id}/message_qrdls", M::GET, get().to(graph::qr::list)),
        ("/{phone_number_id}/message_qrdls", M::POST, web::post().to(graph::qr::save)),
        ("/{phone_number_id}/message_qrdls/{code}", M::GET, get().to(graph::qr::get)),
        ("/{phone_number_id}/message_qrdls/{code}", M::POST, web::post().to(graph::qr::save)),
        ("/{phone_number_id}/message_qrdls/{code}", M::DELETE, web::delete().to(graph::qr::delete)),
    ]
}

const GRAPH_VERSION: &str = "/{version:v[0-9]+\\.[0-9]+}";

/// Graph resources for every path of the table, each also with a trailing slash (`POST
/// /v16.0/{pnid}/`, as Meta's Node SDK sends); `pattern` rewrites a table path (the unversioned
/// copies take only numeric ids as their first segment). In the table's order, sends first: the
/// router tries resources one after the other and every Graph path runs a regex (no two of them
/// match the same path, so the order changes only the cost).
fn graph_resources(pattern: impl Fn(&str) -> String) -> Vec<actix_web::Resource> {
    let mut by_path: Vec<(String, Vec<(Method, Route)>)> = Vec::new();
    for slash in ["", "/"] {
        for (path, method, route) in graph_route_table() {
            let path = format!("{}{slash}", pattern(path));
            match by_path.iter_mut().find(|(p, _)| *p == path) {
                Some((_, routes)) => routes.push((method, route)),
                None => by_path.push((path, vec![(method, route)])),
            }
        }
    }
    by_path
        .into_iter()
        .map(|(path, routes)| {
            let allow = allow_header(&routes);
            let mut resource =
                web::resource(path.as_str()).default_service(web::to(move |req: HttpRequest| {
                    graph::method_not_allowed(req, allow.clone())
                }));
            for (_, route) in routes {
                resource = resource.route(route);
            }
            resource
        })
        .collect()
}

/// The Graph routes under `/{version}`.
fn configure_graph_versioned(cfg: &mut web::ServiceConfig) {
    let mut scope = web::scope(GRAPH_VERSION).default_service(web::to(graph::unknown));
    for resource in graph_resources(str::to_string) {
        scope = scope.service(resource);
    }
    cfg.service(scope);
}

/// The Graph routes again without a version (Graph then uses its default version; ky-based
/// clients such as @great-detail/whatsapp 9 drop the version segment, and whatsapp-api-js calls
/// `/{pnid}/block_users`): unversioned paths need a numeric first segment, so they never shadow
/// the On-Prem and control routes. And the media download URL.
fn configure_graph_unversioned(cfg: &mut web::ServiceConfig) {
    let numeric_first = |path: &str| match path.split_once('}') {
        Some((name, rest)) if name.starts_with("/{") => format!("{name}:[0-9]+}}{rest}"),
        _ => path.to_string(),
    };
    for resource in graph_resources(numeric_first) {
        cfg.service(resource);
    }
    cfg.service(
        web::resource(graph::media::DOWNLOAD_PATH)
            .route(get().to(graph::media::download))
            .default_service(web::to(|req: HttpRequest| {
                graph::method_not_allowed(req, "GET, HEAD".to_string())
            })),
    );
}

/// A GET route that answers HEAD too, as HTTP requires: the same handler, status and headers; the
/// server drops the body of a HEAD answer (the endless event stream answers HEAD itself).
fn get() -> Route {
    web::route().guard(guard::Any(guard::Get()).or(guard::Head()))
}

/// Every (METHOD, path) the router serves, in OpenAPI path syntax (HEAD implied by GET).
pub fn routes() -> Vec<(String, String)> {
    let graph = graph_route_table()
        .into_iter()
        .map(|(p, m, _)| (m.to_string(), format!("/{{version}}{p}")));
    route_table()
        .into_iter()
        .map(|(p, m, _)| (m.to_string(), p.to_string()))
        .chain(graph)
        .chain([("GET".to_string(), graph::media::DOWNLOAD_PATH.to_string())])
        .collect()
}

/// Whether a route of `routes()` is one of the SMS gateways' own APIs (their own credentials and
/// envelopes: `/smsgateway24/...`, `/raspisms/...`).
pub fn is_gateway_api_route(path: &str) -> bool {
    path.starts_with(SMSGATEWAY24_PREFIX) || path.starts_with(RASPISMS_PREFIX)
}

/// Whether a route of `routes()` is one of the Cloud API's Graph routes (Graph auth and envelope).
pub fn is_graph_route(path: &str) -> bool {
    path.starts_with("/{version}/") || path == graph::media::DOWNLOAD_PATH
}

/// Registers every route. Paths are grouped into resources; a BTreeMap orders static segments
/// before `{param}` ones ('{' sorts after letters), so `/v1/users/login` is matched before
/// `/v1/users/{username}`.
///
/// The router tries resources in registration order, each costing a string comparison (a static
/// path or prefix) or a regex capture search (a path with a `{param}`), so the order is laid out
/// for cost: first the On-Prem send (`/v1/messages`, the hot path), `/` and `/metrics`, then
/// scopes: `/v1` (the rest of On-Prem: its static paths, then the control scope `/v1/emulator`,
/// then its paths with parameters), the versioned Graph scope (only `/vNN.N/...` matches it, and
/// no other path starts so), `/zender`, `/smsgateway24`, `/raspisms`, then the unversioned Graph
/// copies. A Cloud send passes four string comparisons before its scope's regex, where it used
/// to pass every static On-Prem and Zender path (52 resources, a tenth of its instructions;
/// README, Performance).
pub fn configure(cfg: &mut web::ServiceConfig) {
    let mut by_path: BTreeMap<&'static str, Vec<(Method, Route)>> = BTreeMap::new();
    for (path, method, route) in route_table() {
        by_path.entry(path).or_default().push((method, route));
    }
    let mut onprem = web::scope(ONPREM_PREFIX).default_service(web::to(not_found));
    // The control API sits in its own scope, so Meta's routes are matched without trying its
    // dynamic patterns first (the router tries resources in order).
    let control_in_onprem = &CONTROL_PREFIX[ONPREM_PREFIX.len()..];
    let mut control = web::scope(control_in_onprem).default_service(web::to(not_found));
    let mut zender = web::scope(ZENDER_PREFIX).default_service(web::to(not_found));
    // The gateways' own APIs: their scopes answer unknown paths and wrong methods as they do.
    let mut smsgateway24 =
        web::scope(SMSGATEWAY24_PREFIX).default_service(web::to(smsgateway24::unknown));
    let mut raspisms = web::scope(RASPISMS_PREFIX)
        .wrap(actix_web::middleware::NormalizePath::new(
            actix_web::middleware::TrailingSlash::Always,
        ))
        .default_service(web::to(raspisms::not_found));
    let mut onprem_with_params = Vec::new();
    let mut hot = None;
    let mut top = Vec::new();
    for (path, routes) in by_path {
        if let Some(rest) = path.strip_prefix(CONTROL_PREFIX) {
            control = control.service(resource(rest, routes));
        } else if let Some(rest) = path.strip_prefix(SMSGATEWAY24_PREFIX) {
            smsgateway24 =
                smsgateway24.service(own_resource(rest, routes, smsgateway24::wrong_method));
        } else if let Some(rest) = path.strip_prefix(RASPISMS_PREFIX) {
            raspisms = raspisms.service(own_resource(rest, routes, raspisms::wrong_method));
        } else if let Some(rest) = path.strip_prefix(ZENDER_PREFIX) {
            zender = zender.service(resource(rest, routes));
        } else if path == HOT_PATH {
            hot = Some(resource(path, routes));
        } else if let Some(rest) = path.strip_prefix(ONPREM_PREFIX) {
            if rest.contains('{') {
                onprem_with_params.push(resource(rest, routes));
            } else {
                onprem = onprem.service(resource(rest, routes));
            }
        } else {
            top.push(resource(path, routes));
        }
    }
    for r in hot.into_iter().chain(top) {
        cfg.service(r);
    }
    onprem = onprem.service(control);
    for r in onprem_with_params {
        onprem = onprem.service(r);
    }
    cfg.service(onprem);
    configure_graph_versioned(cfg);
    cfg.service(zender).service(smsgateway24).service(raspisms);
    configure_graph_unversioned(cfg);
}

const ONPREM_PREFIX: &str = "/v1";
const HOT_PATH: &str = "/v1/messages";
const CONTROL_PREFIX: &str = "/v1/emulator";
const ZENDER_PREFIX: &str = "/zender";
const SMSGATEWAY24_PREFIX: &str = "/smsgateway24";
const RASPISMS_PREFIX: &str = "/raspisms";

/// A path of a gateway's own API: any other method answers `wrong_method`.
fn own_resource<F, Fut>(
    path: &str,
    routes: Vec<(Method, Route)>,
    wrong_method: F,
) -> actix_web::Resource
where
    F: Fn(HttpRequest) -> Fut + Clone + 'static,
    Fut: std::future::Future<Output = HttpResponse> + 'static,
{
    let mut resource = web::resource(path);
    for (_, route) in routes {
        resource = resource.route(route);
    }
    resource.default_service(web::to(wrong_method))
}

/// The `Allow` header of a path: its methods, HEAD with GET.
fn allow_header(routes: &[(Method, Route)]) -> String {
    routes
        .iter()
        .flat_map(|(m, _)| match m.as_str() {
            "GET" => vec!["GET", "HEAD"],
            other => vec![other],
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One path with its methods; any other method answers 1025/405 with an `Allow` header.
fn resource(path: &str, routes: Vec<(Method, Route)>) -> actix_web::Resource {
    let allow = allow_header(&routes);
    let mut resource = web::resource(path);
    for (_, route) in routes {
        resource = resource.route(route);
    }
    resource.default_service(web::to(move |req: HttpRequest| {
        let allow = allow.clone();
        async move {
            Err::<HttpResponse, _>(ApiError::method_not_allowed(
                &echo(req.method().as_str()),
                &echo(req.path()),
                &allow,
            ))
        }
    }))
}

/// The answer for any path the router does not know.
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(format!(
        "Unknown path: {} {}",
        echo(req.method().as_str()),
        echo(req.path())
    )))
}

/// Most characters of client input an error detail echoes back.
const ECHO_MAX_CHARS: usize = 200;

/// Client input as error details may quote it: at most 200 characters, an ellipsis marking a cut.
pub fn echo(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(ECHO_MAX_CHARS) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}…", &text[..cut])),
    }
}

/// 200 with the data and `meta`.
pub fn ok(data: Value) -> HttpResponse {
    HttpResponse::Ok().json(envelope(data))
}

/// 201 with the data and `meta`.
pub fn created(data: Value) -> HttpResponse {
    HttpResponse::Created().json(envelope(data))
}

/// 200 with `{"meta":...}` only: the real API's "null or {}" answers.
pub fn ok_empty() -> HttpResponse {
    ok(serde_json::json!({}))
}

/// Middleware: counts every request by matched route, method and status, and logs it at debug.
pub async fn observe(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let started = std::time::Instant::now();
    let method = req.method().to_string();
    let metrics = req
        .app_data::<web::Data<crate::state::AppState>>()
        .map(|s| s.metrics.clone());
    let res = next.call(req).await?;
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".into());
    let status = res.status().as_u16();
    if let Some(m) = metrics {
        let labels = crate::metrics::ApiLabels {
            route: route.clone(),
            method: method.clone(),
            status: status.to_string(),
        };
        m.api_requests.get_or_create(&labels).inc();
    }
    tracing::debug!(%method, %route, status, elapsed_us = started.elapsed().as_micros() as u64, "request");
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echo_cuts_on_a_character_boundary() {
        assert_eq!(echo("short"), "short");
        let cut = echo(&"é".repeat(300)).into_owned();
        assert_eq!(cut.chars().count(), 201);
        assert!(cut.ends_with("é…"));
        assert_eq!(echo(&"x".repeat(200)).len(), 200);
    }
}
