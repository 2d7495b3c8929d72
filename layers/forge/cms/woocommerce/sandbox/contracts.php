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
			$details = array();
			$ok      = (bool) $body( $details );
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
const FORGE_SECRET = 'whsec_forge_contract';

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
	update_option(
		$gateway->get_option_key(),
		array(
			'enabled'        => 'yes',
			'testmode'       => 'yes',
			'api_key'        => 'forge-contract-key',
			'webhook_secret' => FORGE_SECRET,
		)
	);
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
	$no_secret = false === strpos( $telemetry, 'forge-contract-key' ) && false === strpos( $telemetry, FORGE_SECRET );
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
	Forge_Standins::queue_response( 200, array( 'id' => 'pay_contract', 'status' => 'succeeded' ) );
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
	Forge_Standins::queue_response( 200, array( 'id' => 'pay_declined', 'status' => 'failed', 'failure_message' => 'Insufficient funds' ) );
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
		Forge_Standins::queue_response( 200, array( 'id' => 're_contract', 'status' => 'succeeded' ) );
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
		Forge_Standins::queue_response( 200, array( 'id' => 're_contract', 'status' => 'failed', 'failure_message' => 'Too late' ) );
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
		'id'   => $id,
		'type' => 'payment.succeeded',
		'data' => array( 'id' => 'pay_contract', 'order_id' => (string) $order->get_id(), 'amount' => forge_contracts_minor( '1500.00', $forge_currency ), 'currency' => $forge_currency ),
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

Forge_Contracts::run( 'permissions', 'outbound_only_to_allowlisted_hosts', static function ( array &$d ) use ( $forge_allowed, $forge_features ) {
	$order = forge_contracts_order( array( 'transaction_id' => 'pay_contract' ) );
	Forge_Standins::queue_response( 200, array( 'id' => 'pay_contract', 'status' => 'succeeded' ) );
	forge_contracts_gateway()->process_payment( $order->get_id() );
	if ( ! empty( $forge_features['refunds'] ) ) {
		Forge_Standins::queue_response( 200, array( 'id' => 're_contract', 'status' => 'succeeded' ) );
		forge_contracts_gateway()->process_refund( $order->get_id(), '1.00', 'contract' );
	}
	$hosts = forge_contracts_hosts();
	$d     = array( 'hosts' => $hosts, 'allowed' => $forge_allowed );
	return $hosts && ! array_diff( $hosts, $forge_allowed );
} );

echo json_encode( Forge_Contracts::$results, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ), "\n";
exit( 0 );
