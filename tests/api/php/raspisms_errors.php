<?php
// RaspiSMS calls a backend gets wrong, with what the client sees.
require __DIR__ . '/raspisms_client.php';

$k = key_header();
$out = [];
$out['no_key'] = raspisms_call('POST', raspisms_url('/api/scheduled/'), http_build_query(['text' => 'x', 'numbers' => ['+33612345678']]));
$out['bad_key'] = raspisms_call('GET', raspisms_url('/api/list/sended/'), null, ['X-Api-Key: nope']);
$out['empty_key_param'] = raspisms_call('GET', raspisms_url('/api/list/sended/', ['api_key' => '']), null, $k);
$out['no_text'] = raspisms_schedule(['numbers' => ['+33612345678']]);
$out['zero_text'] = raspisms_schedule(['text' => '0', 'numbers' => ['+33612345678']]);
$out['long_text'] = raspisms_schedule(['text' => str_repeat('é', 1001), 'numbers' => ['+33612345678']]);
$out['bad_at'] = raspisms_schedule(['text' => 'x', 'at' => '2024-02-30 10:00:00', 'numbers' => ['+33612345678']]);
$out['no_number'] = raspisms_schedule(['text' => 'x', 'numbers' => ['0612345678', 'abc']]);
$out['bad_phone'] = raspisms_schedule(['text' => 'x', 'numbers' => ['+33612345678'], 'id_phone' => '999']);
$out['mms'] = raspisms_schedule(['text' => 'x', 'numbers' => ['+33612345678'], 'mms' => '1']);
$out['contacts'] = raspisms_schedule(['text' => 'x', 'contacts' => ['5']]);
$out['json_body'] = raspisms_call('POST', raspisms_url('/api/scheduled/'), json_encode(['text' => 'x', 'numbers' => ['+33612345678']]), array_merge($k, ['Content-Type: application/json']));
$out['send_no_to'] = raspisms_call('GET', raspisms_url('/api/send-sms/', ['text' => 'x']), null, $k);
$out['send_nothing'] = raspisms_call('GET', raspisms_url('/api/send-sms/'), null, $k);
$out['bad_type'] = raspisms_call('GET', raspisms_url('/api/list/sms/'), null, $k);
$out['unknown_path'] = raspisms_call('GET', raspisms_url('/api/nothing/here/'), null, $k);
$out['wrong_method'] = raspisms_call('PUT', raspisms_url('/api/scheduled/'), 'text=x', $k);
$out['delete_unknown'] = raspisms_call('DELETE', raspisms_url('/api/scheduled/987654/'), null, $k);
$out['bad_date'] = raspisms_call('GET', raspisms_url('/api/usage/', ['start' => 'yesterday']), null, $k);
$out['after'] = raspisms_call('GET', raspisms_url('/api/list/scheduled/'), null, $k);
$out['after_sended'] = raspisms_call('GET', raspisms_url('/api/list/sended/'), null, $k);
echo json_encode($out);
