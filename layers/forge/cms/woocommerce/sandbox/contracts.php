<?php
/**
 * Plugin Forge contract suites for WooCommerce payment gateways: events, webhooks, permissions (the runtime part).
 *
 * Usage: php contracts.php plugin/<main file>.php contract.json
 *
 * Runs the plugin against the stand-ins (standins.php), as the sandbox harness does, but drives it through
 * payments, refunds and webhook deliveries and checks what it does: the calls it makes (API requests, order
 * transitions, WooCommerce hooks, its own telemetry actions), what it refuses, and where it connects. These are the
 * forge's own tests; the plugin's PHPUnit suite is not trusted to cover them. contract.json: {"allowed_hosts": [...],
 * "currency": "XOF", "event_prefix": "molam_pay", "features": {"refunds": true, "webhooks": true}}: the plugin must
 * fire <event_prefix>_payment_succeeded, _payment_failed, _refund_succeeded and _refund_failed with the order id,
 * the amount in minor units and the currency first, and no secret anywhere. Prints a JSON list of
 * {suite, name, result: pass|fail|skip, details} on stdout.
 */

error_reporting( E_ALL );

// Forge_Harness's helpers only (the harness returns before running): plugins load as in the sandbox harness.
define( 'FORGE_HARNESS_AS_LIBRARY', true );
require __DIR__ . '/harness.php';
// The fake provider, and the provider API document it validates every request against (forge.cms.provider_api).
require dirname( __DIR__ ) . '/provider/provider.php';

final class Forge_Contracts {
	/** @var array<int, array{suite: string, name: string, result: string, details: array<string, mixed>}> */
	public static $results = array();
	/** @var array<int, string> */
	public static $diagnostics = array();
	/** @var array<int, array{hook: string, args: array<int, mixed>}> Hooks the plugin made WooCommerce fire. */
	public static $events = array();

	public static function record( string $suite, string $name, bool $ok, array $details = array() ): void {
		if ( self::$diagnostics ) {
			$details['diagnostics'] = self::$diagnostics;
			$ok                     = false;
			self::$diagnostics      = array();
		}
		self::$results[] = array(
			'suite'   => $suite,
			'name'    => $name,
			'result'  => $ok ? 'pass' : 'fail',
			'details' => $details,
		);
	}

	public static function skip( string $suite, string $name, string $why ): void {
		self::$results[] = array(
			'suite'   => $suite,
			'name'    => $name,
			'result'  => 'skip',
			'details' => array( 'reason' => $why ),
		);
	}

	/**
	 * Run one contract; an exception is that contract's failure, not the end of the run.
	 */
	public static function run( string $suite, string $name, callable $body ): void {
		Forge_Standins::reset();
		self::$events = array();
		forge_contracts_configure();
		try {
			$details    = array();
			$ok         = (bool) $body( $details );
			$violations = forge_contracts_violations();
			if ( $violations ) {
				// Whatever the case checks, every request the plugin made must be one the document describes.
				$details['provider_api_violations'] = $violations;
				$ok                                 = false;
			}
			self::record( $suite, $name, $ok, $details );
		} catch ( Throwable $e ) {
			self::record( $suite, $name, false, array( 'exception' => get_class( $e ) . ': ' . $e->getMessage() ) );
		}
	}

	public static function on_error( int $errno, string $errstr, string $errfile = '', int $errline = 0 ): bool {
		self::$diagnostics[] = sprintf( '%d: %s in %s:%d', $errno, $errstr, $errfile, $errline );
		return true;
	}
}

set_error_handler( array( 'Forge_Contracts', 'on_error' ) );

if ( $argc < 3 ) {
	fwrite( STDERR, "usage: php contracts.php plugin/<main file>.php contract.json\n" );
	exit( 2 );
}
$forge_main     = realpath( $argv[1] );
$forge_contract = json_decode( (string) file_get_contents( $argv[2] ), true );
if ( false === $forge_main || ! is_array( $forge_contract ) ) {
	fwrite( STDERR, "contracts: plugin or contract file missing\n" );
	exit( 2 );
}
$forge_plugin_dir = dirname( $forge_main );

Forge_Harness::load_standins( $forge_plugin_dir );

ob_start();
include_once $forge_main;
foreach ( array( 'plugins_loaded', 'woocommerce_blocks_loaded', 'before_woocommerce_init', 'init', 'woocommerce_init', 'wp_loaded', 'rest_api_init' ) as $forge_hook ) {
	do_action( $forge_hook );
}
ob_end_clean();

// The gateway the plugin registers, and its REST webhook route.
$forge_gateway_class = '';
foreach ( (array) apply_filters( 'woocommerce_payment_gateways', array() ) as $forge_entry ) {
	$forge_name = is_object( $forge_entry ) ? get_class( $forge_entry ) : (string) $forge_entry;
	if ( class_exists( $forge_name ) && is_subclass_of( $forge_name, 'WC_Payment_Gateway' ) ) {
		$forge_gateway_class = $forge_name;
		break;
	}
}
$forge_webhook_route = '';
foreach ( array_keys( Forge_Standins::$rest_routes ) as $forge_route ) {
	if ( false !== strpos( $forge_route, 'webhook' ) ) {
		$forge_webhook_route = $forge_route;
	}
}
const FORGE_SECRET      = 'whsec_forge_contract';
const FORGE_LIVE_SECRET = 'whsec_forge_contract_live';
const FORGE_TEST_KEY    = 'mk_test_forgecontract0001';
const FORGE_LIVE_KEY    = 'mk_live_forgecontract0001';

$forge_event_prefix = (string) ( $forge_contract['event_prefix'] ?? '' );
const FORGE_TELEMETRY = array( 'payment_succeeded', 'payment_failed', 'refund_succeeded', 'refund_failed' );

// Record what the plugin makes WooCommerce announce and what it announces itself (once: hooks survive
// Forge_Standins::reset()).
$forge_recorded = array( 'woocommerce_payment_complete', 'woocommerce_order_status_changed' );
foreach ( FORGE_TELEMETRY as $forge_event ) {
	$forge_recorded[] = $forge_event_prefix . '_' . $forge_event;
}
foreach ( $forge_recorded as $forge_hook ) {
	add_action(
		$forge_hook,
		static function ( ...$args ) use ( $forge_hook ) {
			Forge_Contracts::$events[] = array(
				'hook' => $forge_hook,
				'args' => array_values( array_map( 'strval', array_filter( $args, 'is_scalar' ) ) ),
			);
		},
		10,
		// Every argument, so a secret in an extra one is seen too.
		99
	);
}
$forge_currency = (string) $forge_contract['currency'];
$forge_provider_hosts = array_map( 'strtolower', (array) $forge_contract['provider_hosts'] );
$forge_api_document   = json_decode( (string) file_get_contents( dirname( __DIR__ ) . '/provider/provider-api.json' ), true );
$forge_api_validator  = new Forge_Fake_Provider( (array) $forge_api_document, '/dev/null', array() );
$forge_allowed  = array_map( 'strtolower', (array) $forge_contract['allowed_hosts'] );
$forge_features = (array) $forge_contract['features'];

function forge_contracts_gateway(): WC_Payment_Gateway {
	global $forge_gateway_class;
	return new $forge_gateway_class();
}

function forge_contracts_configure(): void {
	global $forge_gateway_class, $forge_currency;
	Forge_Standins::$currency = $forge_currency;
	if ( '' === $forge_gateway_class ) {
		return;
	}
	$gateway = new $forge_gateway_class();
	update_option( $gateway->get_option_key(), forge_contracts_settings() );
}

/**
 * The gateway configured as a merchant would: test mode, a key and a webhook secret per mode (and the single-key
 * names of earlier templates, so an older plugin fails on behaviour, not on configuration).
 *
 * @param array<string, string> $changes
 * @return array<string, string>
 */
function forge_contracts_settings( array $changes = array() ): array {
	return array_merge(
		array(
			'enabled'             => 'yes',
			'testmode'            => 'yes',
			'test_api_key'        => FORGE_TEST_KEY,
			'live_api_key'        => FORGE_LIVE_KEY,
			'test_webhook_secret' => FORGE_SECRET,
			'live_webhook_secret' => FORGE_LIVE_SECRET,
			'api_key'             => FORGE_TEST_KEY,
			'webhook_secret'      => FORGE_SECRET,
		),
		$changes
	);
}

/** @param array<string, string> $changes */
function forge_contracts_reconfigure( array $changes ): void {
	$gateway = forge_contracts_gateway();
	update_option( $gateway->get_option_key(), forge_contracts_settings( $changes ) );
}

/** Requests to the provider's hosts that break the provider API document. @return string[] */
function forge_contracts_violations(): array {
	global $forge_api_validator, $forge_provider_hosts;
	$found = array();
	foreach ( Forge_Standins::$http_requests as $request ) {
		if ( ! in_array( strtolower( (string) parse_url( $request['url'], PHP_URL_HOST ) ), $forge_provider_hosts, true ) ) {
			continue;
		}
		$headers = isset( $request['args']['headers'] ) ? (array) $request['args']['headers'] : array();
		$body    = isset( $request['args']['body'] ) && is_string( $request['args']['body'] ) ? $request['args']['body'] : '';
		foreach ( $forge_api_validator->violations( $request['method'], $request['url'], $headers, $body ) as $problem ) {
			$found[] = $request['method'] . ' ' . $request['url'] . ': ' . $problem;
		}
	}
	return array_values( array_unique( $found ) );
}

/** A fresh fake provider answering the plugin's requests (when no response is queued). */
function forge_contracts_fake( array $scenario = array() ): Forge_Fake_Provider {
	global $forge_api_document, $forge_provider_hosts;
	$state = tempnam( sys_get_temp_dir(), 'forge-provider-' );
	$fake  = new Forge_Fake_Provider(
		(array) $forge_api_document,
		(string) $state,
		array(
			'keys'            => array(
				'test' => FORGE_TEST_KEY,
				'live' => FORGE_LIVE_KEY,
			),
			'webhook_secrets' => array(
				'test' => FORGE_SECRET,
				'live' => FORGE_LIVE_SECRET,
			),
		)
	);
	Forge_Standins::$provider       = $fake;
	Forge_Standins::$provider_hosts = $forge_provider_hosts;
	if ( $scenario ) {
		forge_contracts_control( $fake, 'POST', 'scenario', $scenario );
	}
	return $fake;
}

/** @return array<string, mixed> the control API's answer, decoded */
function forge_contracts_control( Forge_Fake_Provider $fake, string $method, string $action, array $input = array() ): array {
	$answer  = $fake->handle( $method, 'http://control/_forge/' . $action, array(), (string) json_encode( $input ) );
	$decoded = json_decode( $answer['body'], true );
	return is_array( $decoded ) ? $decoded : array();
}

/** @return array<int, array<string, mixed>> the fake's payments for an order */
function forge_contracts_payments_of( Forge_Fake_Provider $fake, WC_Order $order ): array {
	$state = forge_contracts_control( $fake, 'GET', 'state' );
	return array_values( array_filter( (array) $state['payments'], static function ( $p ) use ( $order ) {
		return (string) $order->get_id() === (string) $p['order_id'];
	} ) );
}

/** A webhook delivery signed by the fake for an object's current state. */
function forge_contracts_deliver_event( Forge_Fake_Provider $fake, string $type, string $object_id ): WP_REST_Response {
	$signed = forge_contracts_control( $fake, 'POST', 'events', array( 'type' => $type, 'object_id' => $object_id ) );
	return forge_contracts_deliver_signed( (string) $signed['body'], (array) $signed['headers'] );
}

/** @param array<string, string> $headers */
function forge_contracts_deliver_signed( string $body, array $headers ): WP_REST_Response {
	global $forge_webhook_route;
	$request = new WP_REST_Request( 'POST', $forge_webhook_route );
	$request->set_body( $body );
	foreach ( $headers as $name => $value ) {
		$request->set_header( $name, $value );
	}
	return Forge_Standins::dispatch_rest( $request );
}

/** The value of a header the plugin sent, any case. */
function forge_contracts_header( array $request, string $name ): string {
	foreach ( (array) ( $request['args']['headers'] ?? array() ) as $key => $value ) {
		if ( 0 === strcasecmp( (string) $key, $name ) ) {
			return (string) $value;
		}
	}
	return '';
}

/** @return array<int, array<string, mixed>> the plugin's requests to one provider operation (method and path suffix) */
function forge_contracts_sent( string $method, string $path_regex ): array {
	return array_values( array_filter( Forge_Standins::$http_requests, static function ( $r ) use ( $method, $path_regex ) {
		return $r['method'] === $method && preg_match( $path_regex, (string) parse_url( $r['url'], PHP_URL_PATH ) );
	} ) );
}

/** What the plugin prints on admin_notices for the current user. */
function forge_contracts_admin_notices(): string {
	ob_start();
	try {
		do_action( 'admin_notices' );
	} finally {
		$printed = (string) ob_get_clean();
	}
	return $printed;
}

/**
 * Molam's answer for a payment of `$order`, as the provider API document describes it (for queued responses).
 *
 * @return array<string, mixed>
 */
function forge_contracts_payment( WC_Order $order, string $id, string $status, array $extra = array() ): array {
	return $extra + array(
		'id'       => $id,
		'object'   => 'payment',
		'status'   => $status,
		'amount'   => forge_contracts_minor( $order->get_total(), $order->get_currency() ),
		'currency' => $order->get_currency(),
		'order_id' => (string) $order->get_id(),
		'livemode' => false,
	);
}

/** @return array<string, mixed> */
function forge_contracts_refund( WC_Order $order, string $id, string $status, string $amount, array $extra = array() ): array {
	return $extra + array(
		'id'         => $id,
		'object'     => 'refund',
		'status'     => $status,
		'payment_id' => $order->get_transaction_id(),
		'amount'     => forge_contracts_minor( $amount, $order->get_currency() ),
		'currency'   => $order->get_currency(),
		'order_id'   => (string) $order->get_id(),
		'livemode'   => false,
	);
}

/** Every order note's text, one string. */
function forge_contracts_notes( WC_Order $order ): string {
	return implode( "\n", array_column( $order->notes, 'note' ) );
}

function forge_contracts_order( array $props = array() ): WC_Order {
	global $forge_gateway_class, $forge_currency;
	$gateway = new $forge_gateway_class();
	return Forge_Standins::create_order(
		$props + array(
			'total'          => '1500.00',
			'currency'       => $forge_currency,
			'payment_method' => $gateway->id,
			'billing_email'  => 'buyer@example.com',
		)
	);
}

/** @return string[] hosts of every HTTP request the plugin sent */
function forge_contracts_hosts(): array {
	return array_values( array_unique( array_map( static function ( $r ) {
		return strtolower( (string) parse_url( $r['url'], PHP_URL_HOST ) );
	}, Forge_Standins::$http_requests ) ) );
}

function forge_contracts_minor( string $total, string $currency ): int {
	$exponents = array( 'BIF' => 0, 'CLP' => 0, 'DJF' => 0, 'GNF' => 0, 'ISK' => 0, 'JPY' => 0, 'KMF' => 0, 'KRW' => 0, 'PYG' => 0, 'RWF' => 0, 'UGX' => 0, 'VND' => 0, 'VUV' => 0, 'XAF' => 0, 'XOF' => 0, 'XPF' => 0, 'BHD' => 3, 'IQD' => 3, 'JOD' => 3, 'KWD' => 3, 'LYD' => 3, 'OMR' => 3, 'TND' => 3 );
	$exponent  = isset( $exponents[ $currency ] ) ? $exponents[ $currency ] : 2;
	return (int) round( (float) $total * ( 10 ** $exponent ) );
}

/**
 * The plugin fired <event_prefix>_<event> exactly once, for this order and amount, and no telemetry action carried a
 * secret (the API key or webhook secret the contracts configure).
 */
function forge_contracts_telemetry( string $event, int $order_id, int $amount ): bool {
	global $forge_event_prefix, $forge_currency;
	$hook  = $forge_event_prefix . '_' . $event;
	$fired = array_values( array_filter( Forge_Contracts::$events, static function ( $e ) use ( $hook ) {
		return $e['hook'] === $hook;
	} ) );
	$telemetry = (string) json_encode( array_filter( Forge_Contracts::$events, static function ( $e ) use ( $forge_event_prefix ) {
		return 0 === strpos( $e['hook'], $forge_event_prefix . '_' );
	} ) );
	$no_secret = false === strpos( $telemetry, FORGE_TEST_KEY ) && false === strpos( $telemetry, FORGE_LIVE_KEY )
		&& false === strpos( $telemetry, FORGE_SECRET );
	return '' !== $forge_event_prefix && $no_secret && 1 === count( $fired )
		&& array( (string) $order_id, (string) $amount, $forge_currency ) === array_slice( $fired[0]['args'], 0, 3 );
}

function forge_contracts_fired( string $event ): bool {
	global $forge_event_prefix;
	return in_array( $forge_event_prefix . '_' . $event, array_column( Forge_Contracts::$events, 'hook' ), true );
}

function forge_contracts_body( array $request ): array {
	$body = isset( $request['args']['body'] ) ? $request['args']['body'] : '';
	$data = is_string( $body ) ? json_decode( $body, true ) : $body;
	return is_array( $data ) ? $data : array();
}

if ( '' === $forge_gateway_class ) {
	foreach ( array( 'events', 'webhooks', 'permissions' ) as $forge_suite ) {
		Forge_Contracts::record( $forge_suite, 'gateway_registered', false, array( 'reason' => 'no WC_Payment_Gateway on woocommerce_payment_gateways' ) );
	}
	echo json_encode( Forge_Contracts::$results, JSON_UNESCAPED_SLASHES ), "\n";
	exit( 0 );
}

// ---- events: what the plugin does and announces on success, failure and refund --------------------------
Forge_Contracts::run( 'events', 'payment_succeeded', static function ( array &$d ) use ( $forge_currency ) {
	$order = forge_contracts_order();
	Forge_Standins::queue_response( 201, forge_contracts_payment( $order, 'pay_contract', 'succeeded' ) );
	$result = forge_contracts_gateway()->process_payment( $order->get_id() );
	$sent   = Forge_Standins::last_request();
	$body   = $sent ? forge_contracts_body( $sent ) : array();
	$hooks  = array_column( Forge_Contracts::$events, 'hook' );
	$d      = array( 'result' => $result, 'status' => $order->get_status(), 'events' => $hooks, 'request' => $sent ? $sent['url'] : null );
	return 'success' === ( $result['result'] ?? '' ) && $order->is_paid() && 'pay_contract' === $order->get_transaction_id()
		&& in_array( 'woocommerce_payment_complete', $hooks, true )
		&& isset( $body['amount'] ) && forge_contracts_minor( '1500.00', $forge_currency ) === $body['amount']
		&& forge_contracts_telemetry( 'payment_succeeded', $order->get_id(), forge_contracts_minor( '1500.00', $forge_currency ) )
		&& ! forge_contracts_fired( 'payment_failed' );
} );

Forge_Contracts::run( 'events', 'payment_failed', static function ( array &$d ) use ( $forge_currency ) {
	$order = forge_contracts_order();
	Forge_Standins::queue_response( 201, forge_contracts_payment( $order, 'pay_declined', 'failed', array( 'failure_message' => 'Insufficient funds' ) ) );
	$result = forge_contracts_gateway()->process_payment( $order->get_id() );
	$hooks  = array_column( Forge_Contracts::$events, 'hook' );
	$d      = array( 'result' => $result, 'status' => $order->get_status(), 'events' => $hooks, 'notices' => Forge_Standins::$notices );
	return 'failure' === ( $result['result'] ?? '' ) && 'failed' === $order->get_status() && ! $order->is_paid()
		&& ! in_array( 'woocommerce_payment_complete', $hooks, true ) && count( Forge_Standins::$notices ) > 0
		&& forge_contracts_telemetry( 'payment_failed', $order->get_id(), forge_contracts_minor( '1500.00', $forge_currency ) )
		&& ! forge_contracts_fired( 'payment_succeeded' );
} );

Forge_Contracts::run( 'events', 'payment_unreachable', static function ( array &$d ) use ( $forge_currency ) {
	$order = forge_contracts_order();
	Forge_Standins::queue_http_error( 'cURL error 28: Operation timed out' );
	$result = forge_contracts_gateway()->process_payment( $order->get_id() );
	$d      = array( 'result' => $result, 'status' => $order->get_status(), 'logs' => Forge_Standins::$logs, 'events' => Forge_Contracts::$events );
	return 'failure' === ( $result['result'] ?? '' ) && ! $order->is_paid() && count( Forge_Standins::$logs ) > 0
		&& forge_contracts_telemetry( 'payment_failed', $order->get_id(), forge_contracts_minor( '1500.00', $forge_currency ) );
} );

if ( ! empty( $forge_features['refunds'] ) ) {
	Forge_Contracts::run( 'events', 'refund_succeeded', static function ( array &$d ) use ( $forge_currency ) {
		$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract', 'status' => 'processing' ) );
		Forge_Standins::queue_response( 201, forge_contracts_refund( $order, 're_contract', 'succeeded', '5.00' ) );
		$result = forge_contracts_gateway()->process_refund( $order->get_id(), '5.00', 'contract' );
		$sent   = Forge_Standins::last_request();
		$body   = $sent ? forge_contracts_body( $sent ) : array();
		$d      = array( 'result' => $result, 'request' => $sent ? $sent['url'] : null, 'body' => $body, 'events' => Forge_Contracts::$events );
		return true === $result && $sent && false !== strpos( $sent['url'], '/refunds' )
			&& isset( $body['amount'] ) && forge_contracts_minor( '5.00', $forge_currency ) === $body['amount']
			&& forge_contracts_telemetry( 'refund_succeeded', $order->get_id(), forge_contracts_minor( '5.00', $forge_currency ) )
			&& ! forge_contracts_fired( 'refund_failed' );
	} );
	Forge_Contracts::run( 'events', 'refund_declined', static function ( array &$d ) use ( $forge_currency ) {
		$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract', 'status' => 'processing' ) );
		Forge_Standins::queue_response( 201, forge_contracts_refund( $order, 're_contract', 'failed', '5.00', array( 'failure_message' => 'Too late' ) ) );
		$result = forge_contracts_gateway()->process_refund( $order->get_id(), '5.00', 'contract' );
		$d      = array( 'result' => is_wp_error( $result ) ? $result->get_error_code() : $result, 'events' => Forge_Contracts::$events );
		return is_wp_error( $result )
			&& forge_contracts_telemetry( 'refund_failed', $order->get_id(), forge_contracts_minor( '5.00', $forge_currency ) )
			&& ! forge_contracts_fired( 'refund_succeeded' );
	} );
} else {
	Forge_Contracts::skip( 'events', 'refund_succeeded', 'the spec disables refunds' );
	Forge_Contracts::skip( 'events', 'refund_declined', 'the spec disables refunds' );
}

// ---- events against the fake provider: the money guarantees ------------------------------------------------
Forge_Contracts::run( 'events', 'requests_follow_provider_api', static function ( array &$d ) {
	$fake   = forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
	$order  = forge_contracts_order();
	$result = forge_contracts_gateway()->process_payment( $order->get_id() );
	$refund = wc_create_refund( array( 'order_id' => $order->get_id(), 'amount' => '5.00', 'reason' => 'contract', 'refund_payment' => true ) );
	$state  = forge_contracts_control( $fake, 'GET', 'state' );
	$ops    = array_column( (array) $state['requests'], 'operation' );
	$d      = array( 'result' => $result, 'status' => $order->get_status(), 'refund' => is_wp_error( $refund ) ? $refund->get_error_message() : $refund->get_id(), 'operations' => $ops, 'violations' => $state['violations'] );
	return 'success' === ( $result['result'] ?? '' ) && $order->is_paid() && ! is_wp_error( $refund )
		&& in_array( 'createPayment', $ops, true ) && in_array( 'createRefund', $ops, true ) && ! $state['violations'];
} );

Forge_Contracts::run( 'events', 'payment_idempotency_key_from_order', static function ( array &$d ) use ( $forge_contract ) {
	forge_contracts_fake();
	$order = forge_contracts_order();
	Forge_Standins::queue_http_error( 'cURL error 28: Operation timed out after 20001 milliseconds' );
	$first  = forge_contracts_gateway()->process_payment( $order->get_id() ); // the request may or may not have arrived
	$retry  = forge_contracts_gateway()->process_payment( $order->get_id() ); // the customer clicks again
	$other  = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $other->get_id() );
	$keys   = array_map( static function ( $r ) {
		return forge_contracts_header( $r, 'Idempotency-Key' );
	}, forge_contracts_sent( 'POST', '~/payments$~' ) );
	$d      = array( 'keys' => $keys, 'first' => $first, 'retry' => $retry );
	$valid  = '' !== ( $keys[0] ?? '' ) && preg_match( '/' . $forge_contract['idempotency_key_pattern'] . '/', $keys[0] );
	return 3 === count( $keys ) && $valid && $keys[0] === $keys[1] && $keys[2] !== $keys[0];
} );

Forge_Contracts::run( 'events', 'retried_checkout_reuses_pending_payment', static function ( array &$d ) {
	$fake   = forge_contracts_fake( array( 'next_payment_status' => 'requires_action' ) );
	$order  = forge_contracts_order();
	$first  = forge_contracts_gateway()->process_payment( $order->get_id() );
	$second = forge_contracts_gateway()->process_payment( $order->get_id() ); // double submit, or back and "Place order" again
	$made   = forge_contracts_payments_of( $fake, $order );
	$d      = array( 'first' => $first, 'second' => $second, 'payments' => array_column( $made, 'id' ), 'status' => $order->get_status() );
	return 1 === count( $made ) && 'success' === ( $first['result'] ?? '' ) && 'success' === ( $second['result'] ?? '' )
		&& ( $first['redirect'] ?? '' ) === ( $second['redirect'] ?? '' ) && ! $order->is_paid();
} );

Forge_Contracts::run( 'events', 'checkout_never_undoes_webhook_completion', static function ( array &$d ) {
	$fake      = forge_contracts_fake( array( 'next_payment_status' => 'pending' ) ); // mobile money: no redirect
	$order     = forge_contracts_order();
	$delivered = array();
	// The customer approves on the phone and the webhook lands while process_payment still waits for its answer.
	Forge_Standins::$after_provider = static function ( $request, $answer ) use ( $fake, &$delivered ) {
		$payment = json_decode( $answer['body'], true );
		if ( $delivered || 201 !== $answer['status'] || ! isset( $payment['object'] ) || 'payment' !== $payment['object'] ) {
			return;
		}
		forge_contracts_control( $fake, 'POST', 'payments/' . $payment['id'], array( 'status' => 'succeeded' ) );
		$delivered[] = forge_contracts_deliver_event( $fake, 'payment.succeeded', $payment['id'] )->get_status();
	};
	$result = forge_contracts_gateway()->process_payment( $order->get_id() );
	$d      = array( 'result' => $result, 'webhook' => $delivered, 'status' => $order->get_status(), 'notes' => forge_contracts_notes( $order ) );
	return array( 200 ) === $delivered && 'processing' === $order->get_status() && 'success' === ( $result['result'] ?? '' );
} );

Forge_Contracts::run( 'events', 'test_and_live_modes_are_separate', static function ( array &$d ) use ( $forge_contract ) {
	forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
	$test_order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $test_order->get_id() );
	forge_contracts_reconfigure( array( 'testmode' => 'no' ) );
	// Switched to live: the test order's refund still goes to the sandbox, with the test key.
	$refund     = wc_create_refund( array( 'order_id' => $test_order->get_id(), 'amount' => '5.00', 'reason' => 'contract', 'refund_payment' => true ) );
	$live_order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $live_order->get_id() );
	$seen = array_map( static function ( $r ) {
		return array( $r['method'] . ' ' . parse_url( $r['url'], PHP_URL_HOST ) . parse_url( $r['url'], PHP_URL_PATH ), substr( forge_contracts_header( $r, 'Authorization' ), 7, 8 ) );
	}, Forge_Standins::$http_requests );
	$pay     = forge_contracts_sent( 'POST', '~/payments$~' );
	$refunds = forge_contracts_sent( 'POST', '~/refunds$~' );
	$d       = array( 'requests' => $seen, 'refund' => is_wp_error( $refund ) ? $refund->get_error_message() : 'ok', 'statuses' => array( $test_order->get_status(), $live_order->get_status() ) );
	$host    = static function ( $r ) {
		return (string) parse_url( $r['url'], PHP_URL_HOST );
	};
	$test_host = (string) parse_url( (string) ( $forge_contract['api']['test'] ?? '' ), PHP_URL_HOST );
	$live_host = (string) parse_url( (string) ( $forge_contract['api']['live'] ?? '' ), PHP_URL_HOST );
	return 2 === count( $pay ) && 1 === count( $refunds ) && ! is_wp_error( $refund )
		&& $test_host === $host( $pay[0] ) && 'Bearer ' . FORGE_TEST_KEY === forge_contracts_header( $pay[0], 'Authorization' )
		&& $test_host === $host( $refunds[0] ) && 'Bearer ' . FORGE_TEST_KEY === forge_contracts_header( $refunds[0], 'Authorization' )
		&& $live_host === $host( $pay[1] ) && 'Bearer ' . FORGE_LIVE_KEY === forge_contracts_header( $pay[1], 'Authorization' )
		&& $test_order->is_paid() && $live_order->is_paid();
} );

Forge_Contracts::run( 'events', 'http_timeout_below_php_limit', static function ( array &$d ) {
	forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
	$order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $order->get_id() );
	$timeouts = array_map( static function ( $r ) {
		return isset( $r['args']['timeout'] ) ? (float) $r['args']['timeout'] : null;
	}, Forge_Standins::$http_requests );
	$d = array( 'timeouts' => $timeouts );
	// PHP's max_execution_time is usually 30 s: a request that may wait longer dies with the checkout half done.
	return $timeouts && ! array_filter( $timeouts, static function ( $t ) {
		return null === $t || $t <= 0 || $t >= 30;
	} );
} );

Forge_Contracts::run( 'events', 'transaction_links_to_the_dashboard', static function ( array &$d ) {
	forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
	$order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $order->get_id() );
	$url = forge_contracts_gateway()->get_transaction_url( $order );
	$d   = array( 'url' => $url, 'transaction' => $order->get_transaction_id() );
	return '' !== $order->get_transaction_id() && 0 === strpos( $url, 'https://' ) && false !== strpos( $url, $order->get_transaction_id() );
} );

Forge_Contracts::run( 'events', 'return_page_checks_the_payment', static function ( array &$d ) use ( $forge_gateway_class ) {
	$fake  = forge_contracts_fake( array( 'next_payment_status' => 'requires_action' ) );
	$order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $order->get_id() );
	$made = forge_contracts_payments_of( $fake, $order );
	// The customer paid on the payment page; the webhook is lost. They land on the order-received page.
	if ( $made ) {
		forge_contracts_control( $fake, 'POST', 'payments/' . $made[0]['id'], array( 'status' => 'succeeded' ) );
	}
	do_action( 'woocommerce_before_thankyou', $order->get_id() );
	do_action( 'woocommerce_thankyou_' . forge_contracts_gateway()->id, $order->get_id() );
	do_action( 'woocommerce_thankyou', $order->get_id() );
	$d = array( 'payments' => array_column( $made, 'id' ), 'status' => $order->get_status() );
	return 1 === count( $made ) && 'processing' === $order->get_status()
		&& forge_contracts_telemetry( 'payment_succeeded', $order->get_id(), forge_contracts_minor( '1500.00', $GLOBALS['forge_currency'] ) );
} );

Forge_Contracts::run( 'events', 'reconciliation_completes_pending_orders', static function ( array &$d ) use ( $forge_main ) {
	$fake  = forge_contracts_fake( array( 'next_payment_status' => 'pending' ) );
	$order = forge_contracts_order();
	forge_contracts_gateway()->process_payment( $order->get_id() );
	$made = forge_contracts_payments_of( $fake, $order );
	if ( $made ) {
		forge_contracts_control( $fake, 'POST', 'payments/' . $made[0]['id'], array( 'status' => 'succeeded' ) );
	}
	// Activation (and any admin page) schedules the reconciliation with Action Scheduler, which WooCommerce ships.
	do_action( 'activate_' . plugin_basename( $forge_main ) );
	do_action( 'admin_init' );
	$recurring = array_values( array_filter( Forge_Action_Scheduler::all(), static function ( $a ) {
		return $a['interval'] > 0 && $a['interval'] <= HOUR_IN_SECONDS && has_action( $a['hook'] );
	} ) );
	$before = $order->get_status();
	Forge_Action_Scheduler::run(); // as if the interval had passed and the queue runner came by
	$d = array( 'scheduled' => Forge_Action_Scheduler::all(), 'before' => $before, 'after' => $order->get_status() );
	return 1 === count( $made ) && $recurring && 'processing' !== $before && 'processing' === $order->get_status();
} );

if ( ! empty( $forge_features['refunds'] ) ) {
	Forge_Contracts::run( 'events', 'refund_idempotency_key_from_refund', static function ( array &$d ) use ( $forge_contract ) {
		forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
		$order = forge_contracts_order();
		forge_contracts_gateway()->process_payment( $order->get_id() );
		$first  = wc_create_refund( array( 'order_id' => $order->get_id(), 'amount' => '5.00', 'reason' => 'one', 'refund_payment' => true ) );
		$second = wc_create_refund( array( 'order_id' => $order->get_id(), 'amount' => '5.00', 'reason' => 'two', 'refund_payment' => true ) );
		$keys   = array_map( static function ( $r ) {
			return forge_contracts_header( $r, 'Idempotency-Key' );
		}, forge_contracts_sent( 'POST', '~/refunds$~' ) );
		$d      = array( 'keys' => $keys, 'refunds' => array( is_wp_error( $first ) ? $first->get_error_message() : 'ok', is_wp_error( $second ) ? $second->get_error_message() : 'ok' ) );
		$pattern = '/' . $forge_contract['idempotency_key_pattern'] . '/';
		return 2 === count( $keys ) && ! is_wp_error( $first ) && ! is_wp_error( $second )
			&& preg_match( $pattern, $keys[0] ) && preg_match( $pattern, $keys[1] ) && $keys[0] !== $keys[1];
	} );

	Forge_Contracts::run( 'events', 'pending_refund_is_not_reported_done', static function ( array &$d ) {
		$fake  = forge_contracts_fake( array( 'next_payment_status' => 'succeeded', 'next_refund_status' => 'pending' ) );
		$order = forge_contracts_order();
		forge_contracts_gateway()->process_payment( $order->get_id() );
		$refund = wc_create_refund( array( 'order_id' => $order->get_id(), 'amount' => '5.00', 'reason' => 'contract', 'refund_payment' => true ) );
		$notes  = forge_contracts_notes( $order );
		$d      = array( 'refund' => is_wp_error( $refund ) ? $refund->get_error_message() : 'ok', 'notes' => $notes, 'events' => array_column( Forge_Contracts::$events, 'hook' ) );
		return $order->is_paid() && ! is_wp_error( $refund ) && false !== stripos( $notes, 'pending' )
			&& ! forge_contracts_fired( 'refund_succeeded' ) && ! forge_contracts_fired( 'refund_failed' );
	} );
}

// ---- webhooks: forged, expired, valid, replayed ---------------------------------------------------------
function forge_contracts_deliver( string $body, string $timestamp, ?string $signature ): WP_REST_Response {
	global $forge_webhook_route;
	$request = new WP_REST_Request( 'POST', $forge_webhook_route );
	$request->set_body( $body );
	$request->set_header( 'Content-Type', 'application/json' );
	$request->set_header( 'X-Molam-Timestamp', $timestamp );
	if ( null !== $signature ) {
		$request->set_header( 'X-Molam-Signature', $signature );
	}
	return Forge_Standins::dispatch_rest( $request );
}

function forge_contracts_event( WC_Order $order, string $id ): string {
	global $forge_currency;
	return (string) json_encode( array(
		'id'       => $id,
		'type'     => 'payment.succeeded',
		'created'  => time(),
		'livemode' => false,
		'data'     => array( 'id' => 'pay_contract', 'object' => 'payment', 'status' => 'succeeded', 'order_id' => (string) $order->get_id(), 'amount' => forge_contracts_minor( '1500.00', $forge_currency ), 'currency' => $forge_currency, 'livemode' => false ),
	) );
}

function forge_contracts_sign( string $timestamp, string $body ): string {
	return hash_hmac( 'sha256', $timestamp . '.' . $body, FORGE_SECRET );
}

$forge_webhook_names = array( 'forged_signature_refused', 'missing_signature_refused', 'expired_timestamp_refused', 'valid_delivery_updates_order', 'replay_has_no_second_effect' );
if ( empty( $forge_features['webhooks'] ) ) {
	foreach ( $forge_webhook_names as $forge_name ) {
		Forge_Contracts::skip( 'webhooks', $forge_name, 'the spec disables webhooks' );
	}
} elseif ( '' === $forge_webhook_route ) {
	foreach ( $forge_webhook_names as $forge_name ) {
		Forge_Contracts::record( 'webhooks', $forge_name, false, array( 'reason' => 'no webhook REST route registered' ) );
	}
} else {
	Forge_Contracts::run( 'webhooks', 'forged_signature_refused', static function ( array &$d ) {
		$order    = forge_contracts_order();
		$body     = forge_contracts_event( $order, 'evt_forged' );
		$now      = (string) time();
		$response = forge_contracts_deliver( $body, $now, hash_hmac( 'sha256', $now . '.' . $body, 'not-the-secret' ) );
		$d        = array( 'status' => $response->get_status(), 'order_status' => $order->get_status() );
		return $response->get_status() >= 400 && $response->get_status() < 500 && ! $order->is_paid();
	} );
	Forge_Contracts::run( 'webhooks', 'missing_signature_refused', static function ( array &$d ) {
		$order    = forge_contracts_order();
		$response = forge_contracts_deliver( forge_contracts_event( $order, 'evt_unsigned' ), (string) time(), null );
		$d        = array( 'status' => $response->get_status() );
		return $response->get_status() >= 400 && $response->get_status() < 500 && ! $order->is_paid();
	} );
	Forge_Contracts::run( 'webhooks', 'expired_timestamp_refused', static function ( array &$d ) {
		$order    = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
		$body     = forge_contracts_event( $order, 'evt_expired' );
		$old      = (string) ( time() - 3600 );
		$response = forge_contracts_deliver( $body, $old, forge_contracts_sign( $old, $body ) );
		$d        = array( 'status' => $response->get_status(), 'order_status' => $order->get_status() );
		return $response->get_status() >= 400 && $response->get_status() < 500 && ! $order->is_paid();
	} );
	Forge_Contracts::run( 'webhooks', 'valid_delivery_updates_order', static function ( array &$d ) use ( $forge_currency ) {
		$order    = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
		$body     = forge_contracts_event( $order, 'evt_valid' );
		$now      = (string) time();
		$response = forge_contracts_deliver( $body, $now, forge_contracts_sign( $now, $body ) );
		$d        = array( 'status' => $response->get_status(), 'order_status' => $order->get_status(), 'events' => Forge_Contracts::$events );
		return 200 === $response->get_status() && $order->is_paid()
			&& forge_contracts_telemetry( 'payment_succeeded', $order->get_id(), forge_contracts_minor( '1500.00', $forge_currency ) );
	} );
	Forge_Contracts::run( 'webhooks', 'replay_has_no_second_effect', static function ( array &$d ) {
		$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
		$body  = forge_contracts_event( $order, 'evt_replayed' );
		$now   = (string) time();
		$first = forge_contracts_deliver( $body, $now, forge_contracts_sign( $now, $body ) );
		$after_first  = array( count( Forge_Contracts::$events ), count( $order->notes ), $order->get_status() );
		$second       = forge_contracts_deliver( $body, $now, forge_contracts_sign( $now, $body ) );
		$after_second = array( count( Forge_Contracts::$events ), count( $order->notes ), $order->get_status() );
		$d = array( 'first' => $first->get_status(), 'second' => $second->get_status(), 'effects' => array( $after_first, $after_second ) );
		return 200 === $first->get_status() && $second->get_status() < 300 && $after_first === $after_second;
	} );
	Forge_Contracts::run( 'webhooks', 'other_payment_alerts_the_merchant', static function ( array &$d ) use ( $forge_currency ) {
		$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
		$body  = (string) json_encode( array(
			'id'       => 'evt_otherpayment',
			'type'     => 'payment.succeeded',
			'created'  => time(),
			'livemode' => false,
			'data'     => array( 'id' => 'pay_other', 'object' => 'payment', 'status' => 'succeeded', 'order_id' => (string) $order->get_id(), 'amount' => forge_contracts_minor( '1500.00', $forge_currency ), 'currency' => $forge_currency, 'livemode' => false ),
		) );
		$now      = (string) time();
		$response = forge_contracts_deliver( $body, $now, forge_contracts_sign( $now, $body ) );
		$notices  = forge_contracts_admin_notices();
		$notes    = forge_contracts_notes( $order );
		$d        = array( 'status' => $response->get_status(), 'data' => $response->get_data(), 'notes' => $notes, 'logs' => Forge_Standins::$logs, 'notices' => $notices );
		// Never a silent 200: the order says it, the log says it, the admin sees it.
		return ! $order->is_paid() && false !== strpos( $notes, 'pay_other' ) && false !== strpos( $notices, 'pay_other' )
			&& false !== strpos( (string) json_encode( Forge_Standins::$logs ), 'pay_other' );
	} );

	Forge_Contracts::run( 'webhooks', 'event_of_the_other_mode_changes_nothing', static function ( array &$d ) use ( $forge_currency ) {
		forge_contracts_fake( array( 'next_payment_status' => 'requires_action' ) );
		forge_contracts_reconfigure( array( 'testmode' => 'no' ) );
		$order = forge_contracts_order();
		forge_contracts_gateway()->process_payment( $order->get_id() );
		$payment_id = $order->get_transaction_id();
		// Signed with the TEST secret, about the live order's payment: a test event must never complete a live order.
		$body = (string) json_encode( array(
			'id'       => 'evt_testmodeevent',
			'type'     => 'payment.succeeded',
			'created'  => time(),
			'livemode' => false,
			'data'     => array( 'id' => '' !== $payment_id ? $payment_id : 'pay_unknown', 'object' => 'payment', 'status' => 'succeeded', 'order_id' => (string) $order->get_id(), 'amount' => forge_contracts_minor( '1500.00', $forge_currency ), 'currency' => $forge_currency, 'livemode' => false ),
		) );
		$now      = (string) time();
		$response = forge_contracts_deliver( $body, $now, forge_contracts_sign( $now, $body ) );
		$d        = array( 'status' => $response->get_status(), 'data' => $response->get_data(), 'order_status' => $order->get_status(), 'payment' => $payment_id );
		return '' !== $payment_id && ! $order->is_paid();
	} );

	if ( ! empty( $forge_features['refunds'] ) ) {
		Forge_Contracts::run( 'webhooks', 'refund_failed_reverts_the_refund', static function ( array &$d ) {
			$fake  = forge_contracts_fake( array( 'next_payment_status' => 'succeeded', 'next_refund_status' => 'pending' ) );
			$order = forge_contracts_order();
			forge_contracts_gateway()->process_payment( $order->get_id() );
			$refund = wc_create_refund( array( 'order_id' => $order->get_id(), 'amount' => $order->get_total(), 'reason' => 'contract', 'refund_payment' => true ) );
			$state  = forge_contracts_control( $fake, 'GET', 'state' );
			$ids    = array_keys( (array) $state['refunds'] );
			$status = array();
			if ( $ids ) {
				forge_contracts_control( $fake, 'POST', 'refunds/' . $ids[0], array( 'status' => 'failed' ) );
				$status[] = forge_contracts_deliver_event( $fake, 'refund.failed', $ids[0] )->get_status();
			}
			$notes = forge_contracts_notes( $order );
			$d     = array( 'refund' => is_wp_error( $refund ) ? $refund->get_error_message() : 'ok', 'webhook' => $status, 'order_status' => $order->get_status(), 'refunds_left' => count( $order->get_refunds() ), 'notes' => $notes, 'events' => array_column( Forge_Contracts::$events, 'hook' ) );
			return ! is_wp_error( $refund ) && array( 200 ) === $status && 0 === count( $order->get_refunds() )
				&& $order->is_paid() && false !== stripos( $notes, 'fail' )
				&& forge_contracts_fired( 'refund_failed' ) && ! forge_contracts_fired( 'refund_succeeded' );
		} );

		Forge_Contracts::run( 'webhooks', 'dashboard_refund_creates_the_refund', static function ( array &$d ) use ( $forge_currency ) {
			$fake  = forge_contracts_fake( array( 'next_payment_status' => 'succeeded' ) );
			$order = forge_contracts_order();
			forge_contracts_gateway()->process_payment( $order->get_id() );
			$made   = forge_contracts_payments_of( $fake, $order );
			$refund = $made ? forge_contracts_control( $fake, 'POST', 'refunds', array( 'payment_id' => $made[0]['id'], 'amount' => forge_contracts_minor( '5.00', $forge_currency ) ) ) : array();
			$first  = isset( $refund['id'] ) ? forge_contracts_deliver_event( $fake, 'refund.succeeded', $refund['id'] )->get_status() : 0;
			$again  = isset( $refund['id'] ) ? forge_contracts_deliver_event( $fake, 'refund.succeeded', $refund['id'] )->get_status() : 0; // a second event about it
			$wc     = $order->get_refunds();
			$d      = array( 'webhook' => array( $first, $again ), 'refunds' => array_map( static function ( $r ) {
				return $r->get_amount();
			}, $wc ) );
			return 200 === $first && $again < 300 && 1 === count( $wc ) && abs( (float) $wc[0]->get_amount() - 5.0 ) < 0.001
				&& forge_contracts_fired( 'refund_succeeded' );
		} );
	}

	Forge_Contracts::run( 'webhooks', 'gateway_hidden_until_the_webhook_secret_is_set', static function ( array &$d ) {
		forge_contracts_reconfigure( array( 'test_webhook_secret' => '', 'webhook_secret' => '' ) );
		$without = forge_contracts_gateway()->is_available();
		$notices = forge_contracts_admin_notices();
		forge_contracts_reconfigure( array() );
		$with = forge_contracts_gateway()->is_available();
		$d    = array( 'available_without' => $without, 'available_with' => $with, 'notices' => $notices );
		return ! $without && $with && false !== stripos( $notices, 'webhook' );
	} );

	Forge_Contracts::run( 'webhooks', 'rejected_delivery_is_logged_with_its_reason', static function ( array &$d ) {
		forge_contracts_reconfigure( array( 'debug' => 'yes' ) );
		$order    = forge_contracts_order();
		$body     = forge_contracts_event( $order, 'evt_forgedlogged' );
		$now      = (string) time();
		$response = forge_contracts_deliver( $body, $now, hash_hmac( 'sha256', $now . '.' . $body, 'not-the-secret' ) );
		$logs     = (string) json_encode( Forge_Standins::$logs );
		$d        = array( 'status' => $response->get_status(), 'logs' => Forge_Standins::$logs );
		return 401 === $response->get_status() && false !== strpos( $logs, 'invalid_signature' ) && false === strpos( $logs, FORGE_SECRET );
	} );
}

// ---- permissions (runtime part): admin saves need the capability; outbound only to allowlisted hosts -------
Forge_Contracts::run( 'permissions', 'admin_options_need_capability', static function ( array &$d ) {
	$gateway = forge_contracts_gateway();
	$key     = $gateway->get_option_key();
	$before  = get_option( $key );
	Forge_Standins::$capabilities = array();
	$_POST = array( 'woocommerce_' . $gateway->id . '_title' => 'Hijacked', 'woocommerce_' . $gateway->id . '_enabled' => '1' );
	$saved = $gateway->process_admin_options();
	$_POST = array();
	$d     = array( 'saved' => $saved, 'unchanged' => get_option( $key ) === $before );
	return ! $saved && get_option( $key ) === $before;
} );

Forge_Contracts::run( 'permissions', 'keys_are_validated_on_save', static function ( array &$d ) {
	$gateway = forge_contracts_gateway();
	$field   = 'woocommerce_' . $gateway->id . '_';
	$post    = array( $field . 'enabled' => '1', $field . 'testmode' => '1', $field . 'title' => 'Pay', $field . 'test_webhook_secret' => FORGE_SECRET );
	// A live key pasted into the test field is refused, and the saved key stays.
	$_POST = $post + array( $field . 'test_api_key' => 'mk_live_pastedinthewrongfield' );
	$gateway->process_admin_options();
	$refused = $gateway->get_errors();
	$kept    = (array) get_option( $gateway->get_option_key() );
	$fresh   = forge_contracts_gateway();
	$_POST   = $post + array( $field . 'test_api_key' => 'mk_test_anotherforgekey02' );
	$fresh->process_admin_options();
	$_POST   = array();
	$saved   = (array) get_option( $gateway->get_option_key() );
	$d       = array( 'errors' => $refused, 'kept' => $kept['test_api_key'] ?? null, 'saved' => $saved['test_api_key'] ?? null, 'second_errors' => $fresh->get_errors() );
	return $refused && FORGE_TEST_KEY === ( $kept['test_api_key'] ?? null ) && 'mk_test_anotherforgekey02' === ( $saved['test_api_key'] ?? null ) && ! $fresh->get_errors();
} );

Forge_Contracts::run( 'permissions', 'test_mode_notice_for_shop_managers', static function ( array &$d ) {
	$managers = forge_contracts_admin_notices();
	Forge_Standins::$capabilities = array();
	$others   = forge_contracts_admin_notices();
	$d        = array( 'managers' => $managers, 'others' => $others );
	return false !== stripos( $managers, 'test mode' ) && '' === trim( $others );
} );

Forge_Contracts::run( 'permissions', 'outbound_only_to_allowlisted_hosts', static function ( array &$d ) use ( $forge_allowed, $forge_features ) {
	$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
	Forge_Standins::queue_response( 201, forge_contracts_payment( $order, 'pay_contract', 'succeeded' ) );
	forge_contracts_gateway()->process_payment( $order->get_id() );
	if ( ! empty( $forge_features['refunds'] ) ) {
		Forge_Standins::queue_response( 201, forge_contracts_refund( $order, 're_contract', 'succeeded', '1.00' ) );
		forge_contracts_gateway()->process_refund( $order->get_id(), '1.00', 'contract' );
	}
	$hosts = forge_contracts_hosts();
	$d     = array( 'hosts' => $hosts, 'allowed' => $forge_allowed );
	return $hosts && ! array_diff( $hosts, $forge_allowed );
} );

echo json_encode( Forge_Contracts::$results, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ), "\n";
exit( 0 );
