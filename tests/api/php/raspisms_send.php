<?php
// A backend's RaspiSMS integration: schedule now and later, cancel, send one, list.
require __DIR__ . '/raspisms_client.php';

$out = [];
$out['now'] = raspisms_schedule([
    'text' => 'Café & <b>bold</b>',
    'numbers' => ['+33612345678', '+33 6 87 65 43 21', 'not a number'],
    'tag' => 'promo-may',
]);
// multipart with the key as a POST field and numbers with templating data; in the future.
$out['later'] = raspisms_call('POST', raspisms_url('/api/scheduled/'), [
    'api_key' => getenv('RASPISMS_KEY'),
    'text' => 'Later',
    'at' => '2099-01-01 10:00:00',
    'numbers[0][number]' => '+33611111111',
    'numbers[0][data]' => '{"name":"Ada"}',
    'id_phone' => getenv('RASPISMS_PHONE') . '.0',
    'flash' => '1',
]);
$later = $out['later']['json']['response'] ?? 0;
$out['scheduled'] = raspisms_call('GET', raspisms_url('/api/list/scheduled', ['api_key' => getenv('RASPISMS_KEY')]));
$out['delete'] = raspisms_call('DELETE', raspisms_url("/api/scheduled/$later/"), null, key_header());
$out['delete_again'] = raspisms_call('DELETE', raspisms_url("/api/scheduled/$later"), null, key_header());
$out['send_sms'] = raspisms_call('GET', raspisms_url('/api/send-sms/', ['api_key' => getenv('RASPISMS_KEY'), 'to' => '+33622222222', 'text' => 'Quick one']));
echo json_encode($out);
