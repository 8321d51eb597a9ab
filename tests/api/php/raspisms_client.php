<?php
// RaspiSMS API calls written as its documentation makes them (raspisms-documentation
// source/_code_examples/api: form posts of text and numbers[], the key as the X-Api-Key header or
// the api_key parameter). Base URL from $RASPISMS_BASE (e.g. https://localhost:PORT/raspisms),
// the key from $RASPISMS_KEY, the emulator's CA from $EMU_CA. Each helper answers what a
// client sees: HTTP status, Content-Type, raw body, and the body json_decode'd.

function raspisms_call(string $method, string $url, $fields = null, array $headers = []): array
{
    $ch = curl_init();
    curl_setopt($ch, CURLOPT_URL, $url);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_CUSTOMREQUEST, $method);
    if ($fields !== null) {
        curl_setopt($ch, CURLOPT_POSTFIELDS, $fields);
    }
    curl_setopt($ch, CURLOPT_HTTPHEADER, $headers);
    if (getenv('EMU_CA')) {
        curl_setopt($ch, CURLOPT_CAINFO, getenv('EMU_CA'));
    }
    $raw = curl_exec($ch);
    $out = [
        'status' => curl_getinfo($ch, CURLINFO_RESPONSE_CODE),
        'content_type' => curl_getinfo($ch, CURLINFO_CONTENT_TYPE),
        'raw' => $raw === false ? null : $raw,
        'json' => json_decode($raw === false ? 'null' : $raw, true),
    ];
    curl_close($ch);
    return $out;
}

function raspisms_url(string $path, array $query = []): string
{
    return rtrim(getenv('RASPISMS_BASE'), '/') . $path . ($query ? '?' . http_build_query($query) : '');
}

function key_header(): array
{
    return ['X-Api-Key: ' . getenv('RASPISMS_KEY')];
}

// POST /api/scheduled/ as a form (application/x-www-form-urlencoded), key in the header.
function raspisms_schedule(array $fields): array
{
    return raspisms_call('POST', raspisms_url('/api/scheduled/'), http_build_query($fields), key_header());
}
