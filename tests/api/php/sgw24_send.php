<?php
// A backend's SMSGateway24 integration: log in, send, poll, list, use the address book and a
// newsletter. Prints one JSON object of every answer.
require __DIR__ . '/sgw24_client.php';

$out = [];
$login = answer(sgw24_multipart('/getdata/gettoken', ['email' => getenv('SGW24_EMAIL'), 'pass' => getenv('SGW24_PASS')]));
$out['gettoken'] = $login;
$token = $login['json']['token'] ?? '';
$device = getenv('SGW24_DEVICE');

// src/curl/sendsms.php, with the example's fields.
$paramsArr = [];
$paramsArr['token'] = $token;
$paramsArr['sendto'] = getenv('SGW24_SENDTO') ?: '+49 157 52982212';
$paramsArr['body'] = 'Test message from API & more/é';
$paramsArr['device_id'] = $device;
$paramsArr['sim'] = '0';
$paramsArr['customerid'] = '19921';
$paramsArr['urgent'] = '1';
$out['addsms'] = answer(sgw24_multipart('/getdata/addsms', $paramsArr));
$smsId = $out['addsms']['json']['sms_id'] ?? 0;

// The GET form of addsms, with integral floats for the integers.
$out['addsms_get'] = answer(sgw24_get('/getdata/addsms', ['token' => $token, 'sendto' => '+4915700000001', 'body' => 'Later', 'device_id' => $device . '.0', 'sim' => '1.0', 'timetosend' => '2099-08-01 12:00']));

$out['getsmsstatus'] = answer(sgw24_get('/getdata/getsmsstatus', ['token' => $token, 'sms_id' => $smsId]));
$out['getallsms'] = answer(sgw24_form('/getdata/getallsms', ['token' => $token, 'device_id' => $device]));
$out['getallsms_desc'] = answer(sgw24_get('/getdata/getallsms', ['token' => $token, 'orderbydesc' => 1, 'sim' => 1]));
$out['getallsms_count'] = answer(sgw24_get('/getdata/getallsms', ['token' => $token, 'onlycount' => 1]));
$out['getdevicestatus'] = answer(sgw24_get('/getdata/getdevicestatus', ['token' => $token, 'device_id' => $device]));
$out['getalldevices'] = answer(sgw24_get('/getdata/getalldevices', ['token' => $token]));

// src/curl/addalotofsms.php: the list as a JSON string in the form field datajson.
$data = ['token' => $token, 'smsdata' => [
    ['sendto' => '+4915700000002', 'body' => 'One of many', 'device_id' => $device, 'sim' => 0, 'timetosend' => '', 'urgent' => 0],
    ['sendto' => '+4915700000003', 'body' => 'Two of many', 'device_id' => (float)$device, 'sim' => 1],
]];
$out['addalotofsms'] = answer(sgw24_multipart('/getdata/addalotofsms', ['datajson' => json_encode($data)]));

$out['savetag'] = answer(sgw24_form('/getdata/savetag', ['token' => $token, 'title' => 'Customers']));
$tag = $out['savetag']['json']['tag_id'] ?? 0;
$out['savecontact'] = answer(sgw24_form('/getdata/savecontact', ['token' => $token, 'phone' => '+49 157 00000004', 'tag_id' => $tag, 'fullname' => 'Ada']));
$out['savepaket'] = answer(sgw24_form('/getdata/savepaket', ['token' => $token, 'title' => 'May news', 'device_id' => $device, 'body' => 'News!', 'tags' => (string)$tag, 'sim' => 0]));
$out['getallsms_after'] = answer(sgw24_get('/getdata/getallsms', ['token' => $token]));
echo json_encode($out);
