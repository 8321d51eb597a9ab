<?php
// SMSGateway24 calls written the way its official examples make them (smsgateway24/phpexample:
// curl with an array of fields = multipart; Guzzle form_params = urlencoded; the npm SDK's GETs
// with a query string). Base URL from $SGW24_BASE (e.g. https://localhost:PORT/smsgateway24),
// the emulator's CA from $EMU_CA. Every helper answers [HTTP status, raw body].

function sgw24_url(string $endpoint): string
{
    return rtrim(getenv('SGW24_BASE'), '/') . $endpoint;
}

function sgw24_curl($ch): array
{
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    if (getenv('EMU_CA')) {
        curl_setopt($ch, CURLOPT_CAINFO, getenv('EMU_CA'));
    }
    $out = curl_exec($ch);
    $status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
    curl_close($ch);
    return [$status, $out === false ? null : $out];
}

// phpexample src/curl/*.php: POST with CURLOPT_POSTFIELDS = the array (multipart/form-data).
function sgw24_multipart(string $endpoint, array $paramsArr): array
{
    $ch = curl_init();
    curl_setopt($ch, CURLOPT_URL, sgw24_url($endpoint));
    curl_setopt($ch, CURLOPT_POST, 1);
    curl_setopt($ch, CURLOPT_POSTFIELDS, $paramsArr);
    return sgw24_curl($ch);
}

// phpexample src/guzzle/*.php: form_params (application/x-www-form-urlencoded).
function sgw24_form(string $endpoint, array $params): array
{
    $ch = curl_init();
    curl_setopt($ch, CURLOPT_URL, sgw24_url($endpoint));
    curl_setopt($ch, CURLOPT_POST, 1);
    curl_setopt($ch, CURLOPT_POSTFIELDS, http_build_query($params));
    curl_setopt($ch, CURLOPT_HTTPHEADER, ['Content-Type: application/x-www-form-urlencoded']);
    return sgw24_curl($ch);
}

// The docs' GET form ("use %2B instead of + in GET") and the npm SDK's status calls.
function sgw24_get(string $endpoint, array $params): array
{
    $ch = curl_init();
    curl_setopt($ch, CURLOPT_URL, sgw24_url($endpoint) . '?' . http_build_query($params));
    return sgw24_curl($ch);
}

// What a backend does with an answer: json_decode, then look at "error".
function answer(array $r): array
{
    return ['status' => $r[0], 'raw' => $r[1], 'json' => json_decode($r[1] ?? 'null', true)];
}
