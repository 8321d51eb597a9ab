<?php
// Reads everything back the way a client pages: follow "next" until it is null.
require __DIR__ . '/raspisms_client.php';

function all_pages(string $type): array
{
    $pages = [];
    $url = raspisms_url("/api/list/$type/");
    while ($url) {
        $page = raspisms_call('GET', $url, null, key_header());
        $pages[] = $page;
        $url = $page['json']['next'] ?? null;
        if (count($pages) > 10) break;
    }
    return $pages;
}

$out = [];
$out['sended'] = all_pages('sended');
$out['received'] = all_pages('received');
$out['scheduled'] = all_pages('scheduled');
$out['phone'] = all_pages('phone');
$out['contact'] = all_pages('contact');
$out['page1'] = raspisms_call('GET', raspisms_url('/api/list/sended/1/'), null, key_header());
$out['usage'] = raspisms_call('GET', raspisms_url('/api/usage/', ['tag' => 'promo%']), null, key_header());
$out['usage_all'] = raspisms_call('GET', raspisms_url('/api/usage'), null, key_header());
$out['stats'] = raspisms_call('GET', raspisms_url('/api/stats/sms-status/', ['start' => '2000-01-01 00:00:00', 'end' => '2999-01-01 00:00:00', 'id_phone' => getenv('RASPISMS_PHONE')]), null, key_header());
echo json_encode($out);
