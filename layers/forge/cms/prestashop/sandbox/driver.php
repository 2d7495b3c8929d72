<?php
/**
 * Plugin Forge: drives a PrestaShop payment module through its life on the PrestaShop STAND-IN, against the shared
 * fake payment provider: install -> configure -> checkout -> return -> webhook -> refund -> uninstall.
 *
 * Usage: php driver.php <module folder> <module name> <live base URL> <test base URL> [--contracts]
 * Prints one JSON line per check ({"suite", "name", "ok", "detail"}); exits 1 when any check fails. With
 * --contracts the lines are the Test step's contract rows; without, the Sandbox step's checks.
 */

error_reporting(E_ALL);

if ($argc < 5) {
    fwrite(STDERR, "usage: driver.php <module folder> <module name> <live URL> <test URL> [--contracts]\n");
    exit(2);
}
$forge_folder = realpath($argv[1]);
$forge_name = $argv[2];
$forge_live = $argv[3];
$forge_test = $argv[4];

require __DIR__ . '/prestashop-standin.php';
require __DIR__ . '/provider/provider.php';

const FORGE_KEYS = ['test' => 'mk_test_forgeSandboxKey', 'live' => 'mk_live_forgeSandboxKey'];
const FORGE_SECRETS = ['test' => 'whsec_forge_test_secret', 'live' => 'whsec_forge_live_secret'];

$forge_results = [];

function forge_check($suite, $name, $ok, $detail = '')
{
    global $forge_results;
    $forge_results[] = ['suite' => $suite, 'name' => $name, 'ok' => (bool) $ok, 'detail' => (string) $detail];
}

function forge_server($url)
{
    $parts = parse_url($url);
    return ['url' => $url, 'host' => strtolower((string) $parts['host']), 'base_path' => isset($parts['path']) ? $parts['path'] : ''];
}

function forge_fake($live, $test)
{
    $contract = json_decode((string) file_get_contents(__DIR__ . '/provider/provider-api.json'), true);
    // Where the API lives is the spec's; what it accepts is the document (as provider_api.compiled_for does).
    $contract['servers'] = ['live' => forge_server($live), 'test' => forge_server($test)];
    $state = tempnam(sys_get_temp_dir(), 'forge-provider-');
    return new Forge_Fake_Provider($contract, (string) $state, ['keys' => FORGE_KEYS, 'webhook_secrets' => FORGE_SECRETS]);
}

function forge_control(Forge_Fake_Provider $fake, $method, $action, array $input = [])
{
    $answer = $fake->handle($method, 'https://fake.invalid/_forge/' . $action, [], (string) json_encode($input));
    return json_decode($answer['body'], true);
}

/** Runs a front controller as PrestaShop's dispatcher would: where it redirected, what it printed. */
function forge_controller($class, array $get = [], array $post = [])
{
    global $forge_name;
    $_GET = ['module' => $forge_name] + $get;
    $_POST = $post;
    $controller = new $class();
    ob_start();
    $redirect = null;
    $error = null;
    try {
        $controller->postProcess();
    } catch (PrestaShopStandinRedirect $r) {
        $redirect = $r;
    } catch (Throwable $e) {
        $error = get_class($e) . ': ' . $e->getMessage();
    }
    $output = (string) ob_get_clean();
    return ['redirect' => $redirect ? $redirect->url : null, 'notifications' => $redirect ? $redirect->notifications : [], 'output' => $output, 'error' => $error, 'status' => http_response_code()];
}

function forge_deliver(Forge_Fake_Provider $fake, $controllerClass, $type, $objectId, array $tamper = [])
{
    $delivery = forge_control($fake, 'POST', 'events', ['type' => $type, 'object_id' => $objectId] + (isset($tamper['timestamp']) ? ['timestamp' => $tamper['timestamp']] : []));
    $body = (string) $delivery['body'];
    $_SERVER = [];
    foreach ($delivery['headers'] as $name => $value) {
        $_SERVER['HTTP_' . strtoupper(str_replace('-', '_', $name))] = isset($tamper['signature']) && stripos($name, 'signature') !== false ? $tamper['signature'] : $value;
    }
    Tools::$forgeInput = isset($tamper['body']) ? $tamper['body'] : $body;
    http_response_code(200);
    $result = forge_controller($controllerClass);
    $result['event'] = $delivery['event'];
    return $result;
}

function forge_refresh(Order $order)
{
    return new Order((int) $order->id);
}

function forge_run($folder, $name, $live, $test)
{
    forge_standin_reset();
    $fake = forge_fake($live, $test);
    Tools::$forgeHttp = static function ($method, $url, array $headers, $body) use ($fake) {
        return $fake->handle($method, $url, $headers, $body)['body'];
    };
    Module::$forgeFolders[$name] = $folder;
    require_once $folder . '/' . $name . '.php';
    foreach (glob($folder . '/controllers/front/*.php') as $controller) {
        // index.php is the folder's guard: it exits.
        if (basename($controller) !== 'index.php') {
            require_once $controller;
        }
    }
    $class = ucfirst($name);
    $module = new $class();
    $paid = (int) Configuration::get('PS_OS_PAYMENT');

    // -- install
    $installed = $module->install();
    forge_check('events', 'install_registers_hooks', $installed && $module->isRegisteredInHook('paymentOptions') && $module->isRegisteredInHook('displayPaymentReturn'), 'install() ' . var_export($installed, true));
    $prefix = constant($class . '::CONFIG_PREFIX');
    $awaiting = (int) Configuration::get($prefix . 'OS_AWAITING');
    forge_check('events', 'install_creates_order_state', $awaiting > 0 && (new OrderState($awaiting))->module_name === $name, 'state ' . $awaiting);
    forge_check('events', 'install_twice_refused', $module->install() === false, 'a second install must fail as PrestaShop\'s does');

    // -- configure (admin form): keys stored, secrets never echoed, a key of the wrong mode refused
    $_POST = ['submit' . $name => '1', $prefix . 'TEST_MODE' => '1', $prefix . 'TEST_API_KEY' => FORGE_KEYS['test'], $prefix . 'TEST_WEBHOOK_SECRET' => FORGE_SECRETS['test'], $prefix . 'LIVE_API_KEY' => FORGE_KEYS['live'], $prefix . 'LIVE_WEBHOOK_SECRET' => FORGE_SECRETS['live']];
    $page = $module->getContent();
    $leaked = array_filter(array_merge(array_values(FORGE_KEYS), array_values(FORGE_SECRETS)), static function ($secret) use ($page) {
        return strpos($page, $secret) !== false;
    });
    forge_check('permissions', 'credentials_never_echoed', Configuration::get($prefix . 'TEST_API_KEY') === FORGE_KEYS['test'] && !$leaked, $leaked ? 'the form shows ' . implode(', ', $leaked) : 'stored, not shown');
    $_POST = ['submit' . $name => '1', $prefix . 'TEST_MODE' => '1', $prefix . 'TEST_API_KEY' => FORGE_KEYS['live']];
    $module->getContent();
    forge_check('permissions', 'key_of_wrong_mode_refused', Configuration::get($prefix . 'TEST_API_KEY') === FORGE_KEYS['test'], 'a live key in the test field must not be saved');
    $_POST = ['submit' . $name => '1', $prefix . 'TEST_MODE' => '1'];
    $module->getContent();
    forge_check('permissions', 'empty_secret_keeps_stored', Configuration::get($prefix . 'TEST_WEBHOOK_SECRET') === FORGE_SECRETS['test'], 'an empty password field keeps the stored secret');
    $_POST = [];

    // -- checkout
    $currencies = constant($class . '::CURRENCIES');
    $currency = new Currency();
    $currency->iso_code = $currencies[0];
    $currency->add();
    $customer = new Customer();
    $customer->email = 'buyer@forge.invalid';
    $customer->secure_key = md5('forge-buyer');
    $customer->add();
    $cart = new Cart();
    $cart->id_customer = $customer->id;
    $cart->id_currency = $currency->id;
    $cart->id_address_delivery = 1;
    $cart->id_address_invoice = 1;
    $cart->secure_key = $customer->secure_key;
    $cart->forge_total = 1500.0;
    $cart->add();
    $context = Context::getContext();
    $context->cart = $cart;
    $context->customer = $customer;
    $options = Hook::exec('paymentOptions', ['cart' => $cart], null, true);
    $option = isset($options[$name][0]) ? $options[$name][0] : null;
    forge_check('events', 'payment_option_offered', $option instanceof PrestaShop\PrestaShop\Core\Payment\PaymentOption && strpos($option->getAction(), '/module/' . $name . '/redirect') !== false, $option ? $option->getAction() : 'no option');
    $start = forge_controller($class . 'RedirectModuleFrontController');
    $state = forge_control($fake, 'GET', 'state');
    $payment = $state['payments'] ? array_values($state['payments'])[0] : null;
    $exponent = $currency->iso_code === 'XOF' || $currency->iso_code === 'XAF' || $currency->iso_code === 'JPY' ? 0 : 2;
    forge_check('events', 'checkout_creates_payment_in_minor_units', $payment && (int) $payment['amount'] === (int) (1500 * (10 ** $exponent)) && $payment['currency'] === $currency->iso_code, $payment ? $payment['amount'] . ' ' . $payment['currency'] : (string) $start['error']);
    forge_check('events', 'checkout_redirects_to_provider', $payment && $start['redirect'] === $payment['redirect_url'], (string) $start['redirect']);
    forge_controller($class . 'RedirectModuleFrontController');
    $state = forge_control($fake, 'GET', 'state');
    forge_check('events', 'double_click_pays_once', count($state['payments']) === 1, count($state['payments']) . ' payments');

    // -- return before paying: the order waits; a stranger's return is refused
    $stranger = new Customer();
    $stranger->secure_key = md5('stranger');
    $stranger->add();
    $context->customer = $stranger;
    $foreign = forge_controller($class . 'ValidationModuleFrontController', ['id_cart' => $cart->id, 'key' => $customer->secure_key]);
    forge_check('permissions', 'return_of_another_customer_refused', !Order::getIdByCartId($cart->id) && $foreign['redirect'] !== null && strpos((string) $foreign['redirect'], 'order-confirmation') === false, (string) $foreign['redirect']);
    $context->customer = $customer;
    $badKey = forge_controller($class . 'ValidationModuleFrontController', ['id_cart' => $cart->id, 'key' => 'forged']);
    forge_check('permissions', 'return_with_wrong_secure_key_refused', !Order::getIdByCartId($cart->id), (string) $badKey['redirect']);

    // -- the customer pays at the provider, comes back: one order, paid
    forge_control($fake, 'POST', 'payments/' . $payment['id'], ['status' => 'succeeded']);
    $back = forge_controller($class . 'ValidationModuleFrontController', ['id_cart' => $cart->id, 'key' => $customer->secure_key]);
    $orderId = (int) Order::getIdByCartId($cart->id);
    $order = new Order($orderId);
    forge_check('events', 'return_validates_order', $orderId > 0 && $order->getCurrentState() === $paid && strpos((string) $back['redirect'], 'order-confirmation') !== false, (string) ($back['error'] ?: $back['redirect']));
    $again = forge_controller($class . 'ValidationModuleFrontController', ['id_cart' => $cart->id, 'key' => $customer->secure_key]);
    forge_check('events', 'validate_order_exactly_once', PaymentModule::$forgeValidateCalls === 1 && count(Order::forgeAll()) === 1 && $again['error'] === null, PaymentModule::$forgeValidateCalls . ' validateOrder calls');
    $html = Hook::exec('displayPaymentReturn', ['order' => $order]);
    forge_check('events', 'payment_return_rendered', strpos($html, htmlspecialchars($order->reference, ENT_QUOTES, 'UTF-8')) !== false, substr($html, 0, 200));

    // -- webhooks
    $webhookClass = $class . 'WebhookModuleFrontController';
    if (class_exists($webhookClass)) {
        $historyBefore = count($order->getHistory());
        $first = forge_deliver($fake, $webhookClass, 'payment.succeeded', $payment['id']);
        forge_check('webhooks', 'signed_event_accepted', $first['status'] === 200 && $first['error'] === null, $first['status'] . ' ' . $first['output'] . ' ' . $first['error']);
        forge_check('webhooks', 'event_after_return_changes_nothing', count(forge_refresh($order)->getHistory()) === $historyBefore, 'history ' . count(forge_refresh($order)->getHistory()));
        $bad = forge_deliver($fake, $webhookClass, 'payment.failed', $payment['id'], ['signature' => str_repeat('0', 64)]);
        forge_check('webhooks', 'bad_signature_refused', $bad['status'] === 401 && forge_refresh($order)->getCurrentState() === $paid, $bad['status'] . ' ' . $bad['output']);
        $stale = forge_deliver($fake, $webhookClass, 'payment.failed', $payment['id'], ['timestamp' => time() - 3600]);
        forge_check('webhooks', 'stale_timestamp_refused', $stale['status'] === 401 && forge_refresh($order)->getCurrentState() === $paid, $stale['status'] . ' ' . $stale['output']);

        // A second cart paid while the customer never comes back: the webhook creates the order, once.
        $cart2 = new Cart();
        foreach (['id_customer', 'id_currency', 'id_address_delivery', 'id_address_invoice', 'secure_key', 'forge_total'] as $field) {
            $cart2->$field = $cart->$field;
        }
        $cart2->add();
        $context->cart = $cart2;
        forge_controller($class . 'RedirectModuleFrontController');
        $state = forge_control($fake, 'GET', 'state');
        $payment2 = array_values($state['payments'])[1];
        forge_control($fake, 'POST', 'payments/' . $payment2['id'], ['status' => 'succeeded']);
        $event = forge_deliver($fake, $webhookClass, 'payment.succeeded', $payment2['id']);
        $order2 = (int) Order::getIdByCartId($cart2->id);
        forge_check('webhooks', 'webhook_creates_order_without_return', $order2 > 0 && (new Order($order2))->getCurrentState() === $paid, $event['status'] . ' ' . $event['output'] . ' ' . $event['error']);
        $replay = forge_controller($webhookClass);
        forge_check('webhooks', 'redelivered_event_ignored', $replay['status'] === 200 && count(Order::forgeAll()) === 2 && PaymentModule::$forgeValidateCalls === 2, PaymentModule::$forgeValidateCalls . ' validateOrder calls');
        $late = forge_controller($class . 'ValidationModuleFrontController', ['id_cart' => $cart2->id, 'key' => $customer->secure_key]);
        forge_check('webhooks', 'return_after_webhook_no_second_order', count(Order::forgeAll()) === 2 && $late['error'] === null, (string) $late['error']);
        $context->cart = $cart;
    }

    // -- refund through a credit slip
    if (method_exists($module, 'hookActionOrderSlipAdd')) {
        $slip = new OrderSlip();
        $slip->id_order = $order->id;
        $slip->id_customer = $customer->id;
        $slip->total_products_tax_incl = 5.0;
        $slip->total_shipping_tax_incl = 0.0;
        $slip->add();
        Hook::exec('actionOrderSlipAdd', ['order' => forge_refresh($order), 'productList' => [], 'qtyList' => []]);
        Hook::exec('actionOrderSlipAdd', ['order' => forge_refresh($order), 'productList' => [], 'qtyList' => []]);
        $state = forge_control($fake, 'GET', 'state');
        $refunds = array_values($state['refunds']);
        forge_check('events', 'credit_slip_refunds_once', count($refunds) === 1 && (int) $refunds[0]['amount'] === (int) (5 * (10 ** $exponent)), count($refunds) . ' refunds');
        $tooMuch = $module->refund(forge_refresh($order), 100000.0, 'too-much');
        forge_check('events', 'refund_above_payment_refused', $tooMuch !== true, (string) $tooMuch);
    }

    // -- nothing the module sent broke the provider API document
    $state = forge_control($fake, 'GET', 'state');
    forge_check('events', 'provider_api_contract_kept', !$state['violations'], json_encode(array_slice($state['violations'], 0, 3)));
    $bearer = true;
    foreach (Tools::$forgeRequests as $request) {
        $bearer = $bearer && isset($request['headers']['Authorization']) && strpos($request['headers']['Authorization'], 'Bearer mk_test_') === 0;
    }
    forge_check('permissions', 'test_mode_uses_test_key', $bearer && Tools::$forgeRequests, count(Tools::$forgeRequests) . ' requests');

    // -- uninstall
    $removed = $module->uninstall();
    forge_check('events', 'uninstall_removes_hooks_and_settings', $removed && !$module->isRegisteredInHook('paymentOptions') && !Configuration::hasKey($prefix . 'TEST_API_KEY') && !Configuration::hasKey($prefix . 'OS_AWAITING'), 'uninstall() ' . var_export($removed, true));
    forge_check('events', 'uninstall_hides_order_state', (new OrderState($awaiting))->deleted === true, 'orders keep their state; it is hidden');
    forge_check('events', 'orders_survive_uninstall', count(Order::forgeAll()) >= 1, count(Order::forgeAll()) . ' orders');
}

try {
    forge_run($forge_folder, $forge_name, $forge_live, $forge_test);
} catch (Throwable $e) {
    forge_check('events', 'driver_completed', false, get_class($e) . ': ' . $e->getMessage() . ' at ' . basename($e->getFile()) . ':' . $e->getLine());
}
$forge_failed = 0;
foreach ($forge_results as $result) {
    echo json_encode($result, JSON_UNESCAPED_SLASHES), "\n";
    $forge_failed += $result['ok'] ? 0 : 1;
}
exit($forge_failed ? 1 : 0);
