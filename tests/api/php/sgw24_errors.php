<?php
// SMSGateway24 calls a backend gets wrong: each answer as the client sees it.
require __DIR__ . '/sgw24_client.php';

$token = getenv('SGW24_TOKEN');
$device = getenv('SGW24_DEVICE');
$out = [];
$out['bad_login'] = answer(sgw24_multipart('/getdata/gettoken', ['email' => 'nobody@example.com', 'pass' => 'x']));
$out['no_pass'] = answer(sgw24_get('/getdata/gettoken', ['email' => 'nobody@example.com']));
$out['bad_token'] = answer(sgw24_multipart('/getdata/addsms', ['token' => 'ffffffffffffffffffffffffffffffff', 'sendto' => '+491', 'body' => 'x', 'device_id' => $device]));
$out['no_token'] = answer(sgw24_get('/getdata/getallsms', []));
$out['no_sendto'] = answer(sgw24_multipart('/getdata/addsms', ['token' => $token, 'body' => 'x', 'device_id' => $device]));
$out['no_body'] = answer(sgw24_multipart('/getdata/addsms', ['token' => $token, 'sendto' => '+491', 'device_id' => $device]));
$out['bad_device'] = answer(sgw24_multipart('/getdata/addsms', ['token' => $token, 'sendto' => '+491', 'body' => 'x', 'device_id' => '1']));
$out['fraction_device'] = answer(sgw24_multipart('/getdata/addsms', ['token' => $token, 'sendto' => '+491', 'body' => 'x', 'device_id' => $device . '.5']));
$out['bad_sim'] = answer(sgw24_form('/getdata/addsms', ['token' => $token, 'sendto' => '+491', 'body' => 'x', 'device_id' => $device, 'sim' => '2']));
$out['bad_time'] = answer(sgw24_form('/getdata/addsms', ['token' => $token, 'sendto' => '+491', 'body' => 'x', 'device_id' => $device, 'timetosend' => 'tomorrow']));
$out['one_bad_of_many'] = answer(sgw24_multipart('/getdata/addalotofsms', ['datajson' => json_encode(['token' => $token, 'smsdata' => [
    ['sendto' => '+491', 'body' => 'fine', 'device_id' => $device],
    ['sendto' => '+492', 'body' => '', 'device_id' => $device],
]])]));
$out['not_json'] = answer(sgw24_multipart('/getdata/addalotofsms', ['datajson' => '{nope']));
$out['unknown_sms'] = answer(sgw24_get('/getdata/getsmsstatus', ['token' => $token, 'sms_id' => '999999999']));
$out['unknown_tag'] = answer(sgw24_form('/getdata/savecontact', ['token' => $token, 'phone' => '+491', 'tag_id' => '999999999']));
$out['unknown_method'] = answer(sgw24_get('/getdata/sendviber', ['token' => $token]));
$out['count_after'] = answer(sgw24_get('/getdata/getallsms', ['token' => $token, 'onlycount' => 1]));
echo json_encode($out);
