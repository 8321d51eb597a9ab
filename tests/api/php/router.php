<?php
// A webhook receiver as the gateways' own docs write one, for `php -S 127.0.0.1:PORT router.php`.
// It reads what a test expects from $RECEIVER_DIR/expected.json and appends one JSON line per
// request to $RECEIVER_DIR/received.jsonl: what PHP parsed, and whether PHP's own encoders give
// back the exact bytes received.
$dir = getenv('RECEIVER_DIR');
$expected = json_decode(@file_get_contents("$dir/expected.json") ?: '{}', true) ?: [];
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$raw = file_get_contents('php://input');
$rec = [
    'path' => $path,
    'method' => $_SERVER['REQUEST_METHOD'],
    'content_type' => $_SERVER['CONTENT_TYPE'] ?? null,
    'user_agent' => $_SERVER['HTTP_USER_AGENT'] ?? null,
    'raw' => $raw,
];
$status = 200;
switch ($path) {
    case '/zender':
        // The official sample (smsnotif.com/webhooks): compare the plain secret.
        $request = $_REQUEST;
        $secret = $expected['zender_secret'] ?? '';
        $rec['valid'] = isset($request["secret"]) && $request["secret"] == $secret;
        $rec['type'] = $request['type'] ?? null;
        $rec['data'] = $request['data'] ?? null;
        $rec['rebuilt_equal'] = http_build_query($_POST) === $raw;
        break;
    case '/raspisms':
        // The receiver check of the RaspiSMS docs: HMAC-SHA256 of the random id with the API key.
        $key = $expected['raspisms_key'] ?? '';
        $signature = hash_hmac('sha256', $_POST['webhook_random_id'] ?? '', $key);
        $rec['valid'] = hash_equals($signature, $_POST['webhook_signature'] ?? '');
        $rec['fresh'] = abs(time() - (int)($_POST['webhook_timestamp'] ?? 0)) < 600;
        $rec['random_id'] = $_POST['webhook_random_id'] ?? null;
        $rec['id_matches_timestamp'] = strpos($rec['random_id'] ?? '', ($_POST['webhook_timestamp'] ?? 'x') . '-') === 0;
        $rec['type'] = $_POST['webhook_type'] ?? null;
        $rec['body'] = json_decode($_POST['body'] ?? 'null', true);
        $rec['fields'] = array_keys($_POST);
        $rec['rebuilt_equal'] = http_build_query($_POST) === $raw;
        $rec['reencoded_equal'] = json_encode(json_decode($_POST['body'] ?? 'null')) === ($_POST['body'] ?? null);
        break;
    case '/smsgateway24/incoming':
    case '/smsgateway24/statuses':
        $rec['json'] = json_decode($raw, true);
        $rec['valid'] = json_last_error() === JSON_ERROR_NONE;
        $rec['reencoded_equal'] = json_encode(json_decode($raw), JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE) === $raw;
        break;
    case '/fail':
        $status = 500;
        break;
    case '/fail-once':
        $count = (int)@file_get_contents("$dir/fail-once.count");
        file_put_contents("$dir/fail-once.count", (string)($count + 1));
        $status = $count === 0 ? 500 : 200;
        break;
}
$rec['answered'] = $status;
file_put_contents("$dir/received.jsonl", json_encode($rec) . "\n", FILE_APPEND | LOCK_EX);
http_response_code($status);
echo "ok";
