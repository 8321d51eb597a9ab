<?php
// A Zender API client written the way the product's API docs and official examples call it:
//   php zender_client.php multipart URL FIELDS_JSON  curl, CURLOPT_POSTFIELDS with an array
//                                                    (multipart/form-data; a field whose value
//                                                    is {"file": PATH} becomes a CURLFile)
//   php zender_client.php form URL FIELDS_JSON       curl, CURLOPT_POSTFIELDS = http_build_query
//   php zender_client.php query URL FIELDS_JSON      file_get_contents("URL?" . http_build_query)
//   php zender_client.php json URL FIELDS_JSON       a JSON body (which the product ignores)
// The CA to trust is in $ZENDER_CA. Prints one JSON line: the HTTP status, the Content-Type,
// the raw body, what json_decode made of it, and whether json_encode gives back the bytes.
[$self, $mode, $url, $fieldsJson] = $argv;
$fields = json_decode($fieldsJson, true);
$ca = getenv('ZENDER_CA');
$status = null;
$contentType = null;
$cors = null;

if ($mode === 'query') {
    $context = stream_context_create([
        'ssl' => ['cafile' => $ca, 'verify_peer' => true],
        'http' => ['ignore_errors' => true],
    ]);
    $raw = file_get_contents($url . '?' . http_build_query($fields), false, $context);
    foreach ($http_response_header as $h) {
        if (preg_match('#^HTTP/\S+ (\d+)#', $h, $m)) $status = (int)$m[1];
        if (stripos($h, 'content-type:') === 0) $contentType = trim(substr($h, 13));
        if (stripos($h, 'access-control-allow-origin:') === 0) $cors = trim(substr($h, 28));
    }
} else {
    $cURL = curl_init($url);
    curl_setopt($cURL, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($cURL, CURLOPT_CAINFO, $ca);
    if ($mode === 'multipart') {
        foreach ($fields as $k => $v) {
            if (is_array($v) && isset($v['file'])) {
                $fields[$k] = new CURLFile($v['file'], $v['type'] ?? null, basename($v['file']));
            }
        }
        curl_setopt($cURL, CURLOPT_POSTFIELDS, $fields);
    } elseif ($mode === 'form') {
        curl_setopt($cURL, CURLOPT_POSTFIELDS, http_build_query($fields));
    } else {
        curl_setopt($cURL, CURLOPT_POSTFIELDS, json_encode($fields));
        curl_setopt($cURL, CURLOPT_HTTPHEADER, ['Content-Type: application/json']);
    }
    curl_setopt($cURL, CURLOPT_HEADERFUNCTION, function ($c, $h) use (&$cors) {
        if (stripos($h, 'access-control-allow-origin:') === 0) $cors = trim(substr($h, 28));
        return strlen($h);
    });
    $raw = curl_exec($cURL);
    $status = curl_getinfo($cURL, CURLINFO_RESPONSE_CODE);
    $contentType = curl_getinfo($cURL, CURLINFO_CONTENT_TYPE);
    if ($raw === false) $raw = 'curl error: ' . curl_error($cURL);
    curl_close($cURL);
}

$result = json_decode($raw, true);
echo json_encode([
    'http_status' => $status,
    'content_type' => $contentType,
    'cors' => $cors,
    'raw' => $raw,
    'result' => $result,
    'reencoded_equal' => json_encode(json_decode($raw)) === $raw,
]), "\n";
