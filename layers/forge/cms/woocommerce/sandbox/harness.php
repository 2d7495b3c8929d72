<?php
/**
 * Plugin Forge sandbox harness for WooCommerce payment gateways.
 *
 * Usage: php harness.php plugin/<main file>.php
 *
 * Loads the plugin against the WordPress/WooCommerce stand-ins (standins.php, not the real thing),
 * walks it through the hooks a site fires on every request and checks that the gateway registers and
 * works. Any PHP diagnostic (error, warning, notice, deprecation, even one silenced with @) fails the
 * run: a plugin that is noisy here is noisy in every customer's debug.log. Prints a JSON report on
 * stdout, each diagnostic on stderr, and exits 1 on any diagnostic or failed check, 0 otherwise.
 */

error_reporting( E_ALL );

final class Forge_Harness {
	/** @var array<int, array{type: string, message: string, file: string, line: int}> */
	public static $diagnostics = array();
	/** @var array<int, array{name: string, ok: bool, detail: string}> */
	public static $checks = array();
	/** @var array<string, mixed> */
	public static $facts = array();
	/** @var string */
	public static $main_file = '';
	/** @var bool */
	public static $finished = false;

	const FATALS = array( E_ERROR, E_PARSE, E_CORE_ERROR, E_COMPILE_ERROR, E_USER_ERROR, E_RECOVERABLE_ERROR );

	public static function error_type( int $errno ): string {
		$names = array(
			E_ERROR             => 'Fatal error',
			E_WARNING           => 'Warning',
			E_PARSE             => 'Parse error',
			E_NOTICE            => 'Notice',
			E_CORE_ERROR        => 'Core error',
			E_CORE_WARNING      => 'Core warning',
			E_COMPILE_ERROR     => 'Compile error',
			E_COMPILE_WARNING   => 'Compile warning',
			E_USER_ERROR        => 'User error',
			E_USER_WARNING      => 'User warning',
			E_USER_NOTICE       => 'User notice',
			E_RECOVERABLE_ERROR => 'Recoverable error',
			E_DEPRECATED        => 'Deprecated',
			E_USER_DEPRECATED   => 'User deprecated',
		);
		if ( defined( 'E_STRICT' ) && 2048 === $errno ) {
			return 'Strict standards';
		}
		return isset( $names[ $errno ] ) ? $names[ $errno ] : 'Error ' . $errno;
	}

	public static function record( string $type, string $message, string $file, int $line ): void {
		self::$diagnostics[] = array(
			'type'    => $type,
			'message' => $message,
			'file'    => $file,
			'line'    => $line,
		);
	}

	/**
	 * Records everything, including diagnostics silenced with @ (error_reporting() is then lowered).
	 */
	public static function on_error( int $errno, string $errstr, string $errfile = '', int $errline = 0 ): bool {
		self::record( self::error_type( $errno ), $errstr, $errfile, $errline );
		return true;
	}

	public static function on_shutdown(): void {
		$last = error_get_last();
		if ( is_array( $last ) && in_array( $last['type'], self::FATALS, true ) ) {
			self::record( self::error_type( (int) $last['type'] ), (string) $last['message'], (string) $last['file'], (int) $last['line'] );
		}
		if ( ! self::$finished ) {
			self::check( 'harness_completed', false, 'the run stopped before every check ran' );
			exit( self::finish() );
		}
	}

	public static function check( string $name, bool $ok, string $detail = '' ): bool {
		self::$checks[] = array(
			'name'   => $name,
			'ok'     => $ok,
			'detail' => $detail,
		);
		return $ok;
	}

	public static function failed( Throwable $e ): void {
		self::record( 'Uncaught ' . get_class( $e ), $e->getMessage(), $e->getFile(), $e->getLine() );
	}

	public static function finish(): int {
		self::$finished = true;
		$ok             = ! self::$diagnostics;
		foreach ( self::$checks as $check ) {
			$ok = $ok && $check['ok'];
		}
		foreach ( self::$diagnostics as $d ) {
			fwrite( STDERR, sprintf( "PHP %s: %s in %s on line %d\n", $d['type'], $d['message'], $d['file'], $d['line'] ) );
		}
		foreach ( self::$checks as $check ) {
			if ( ! $check['ok'] ) {
				fwrite( STDERR, sprintf( "Check failed: %s: %s\n", $check['name'], $check['detail'] ) );
			}
		}
		$report = array(
			'plugin'      => self::$main_file,
			'ok'          => $ok,
			'checks'      => self::$checks,
			'diagnostics' => self::$diagnostics,
			'facts'       => self::$facts,
		);
		echo json_encode( $report, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ), "\n";
		return $ok ? 0 : 1;
	}

	/**
	 * The constants WordPress defines before it loads a plugin from `$plugin_dir`, then the stand-ins.
	 */
	public static function load_standins( string $plugin_dir ): void {
		define( 'ABSPATH', __DIR__ . '/wordpress/' );
		define( 'WPINC', 'wp-includes' );
		define( 'WP_CONTENT_DIR', dirname( $plugin_dir, 2 ) );
		define( 'WP_PLUGIN_DIR', dirname( $plugin_dir ) );
		define( 'WP_DEBUG', true );
		require_once __DIR__ . '/standins.php';
	}

	/**
	 * Fire an action the way WordPress would, if the plugin listens to it.
	 *
	 * @param mixed ...$args
	 */
	public static function fire( string $hook, ...$args ): void {
		if ( ! has_action( $hook ) ) {
			return;
		}
		self::$facts['hooks_fired'][] = $hook;
		do_action( $hook, ...$args );
	}
}

// contracts.php (for load_standins) and wordpress/capture.php (for error_type) include this file for Forge_Harness
// alone, so each exists once; the run below belongs to `php harness.php`.
if ( defined( 'FORGE_HARNESS_AS_LIBRARY' ) ) {
	return;
}

set_error_handler( array( 'Forge_Harness', 'on_error' ) );
register_shutdown_function( array( 'Forge_Harness', 'on_shutdown' ) );

if ( $argc < 2 ) {
	fwrite( STDERR, "usage: php harness.php plugin/<main file>.php\n" );
	exit( 2 );
}

Forge_Harness::$main_file = $argv[1];
$forge_main               = realpath( $argv[1] );
if ( false === $forge_main || ! is_file( $forge_main ) ) {
	Forge_Harness::check( 'main_file_exists', false, $argv[1] . ' not found' );
	exit( Forge_Harness::finish() );
}
$forge_plugin_dir = dirname( $forge_main );
$forge_slug       = basename( $forge_main, '.php' );

Forge_Harness::load_standins( $forge_plugin_dir );

// WordPress includes active plugins at global scope and buffers nothing; output during load is what
// WordPress reports as "unexpected output" on activation.
ob_start();
try {
	include_once $forge_main;
	Forge_Harness::check( 'plugin_loaded', true );

	Forge_Harness::fire( 'plugins_loaded' );
	Forge_Harness::fire( 'woocommerce_blocks_loaded' );
	Forge_Harness::fire( 'before_woocommerce_init' );
	Forge_Harness::fire( 'init' );
	Forge_Harness::fire( 'woocommerce_init' );
	Forge_Harness::fire( 'wp_loaded' );
	Forge_Harness::fire( 'rest_api_init' );
} catch ( Throwable $e ) {
	Forge_Harness::failed( $e );
	Forge_Harness::check( 'plugin_loaded', false, get_class( $e ) . ': ' . $e->getMessage() );
}
$forge_output = (string) ob_get_clean();
Forge_Harness::check(
	'no_output_while_loading',
	'' === $forge_output,
	'' === $forge_output ? '' : sprintf( '%d characters of unexpected output', strlen( $forge_output ) )
);

$forge_hpos = isset( Forge_Standins::$declared_features['custom_order_tables'][ $forge_main ] )
	&& Forge_Standins::$declared_features['custom_order_tables'][ $forge_main ];
Forge_Harness::check( 'hpos_compatibility_declared', $forge_hpos, $forge_hpos ? '' : 'custom_order_tables not declared compatible for the main file' );
Forge_Harness::$facts['declared_features'] = Forge_Standins::$declared_features;

try {
	$forge_registered = apply_filters( 'woocommerce_payment_gateways', array() );
	$forge_classes    = array();
	foreach ( (array) $forge_registered as $forge_entry ) {
		$forge_name = is_object( $forge_entry ) ? get_class( $forge_entry ) : (string) $forge_entry;
		if ( class_exists( $forge_name ) && is_subclass_of( $forge_name, 'WC_Payment_Gateway' ) ) {
			$forge_classes[] = $forge_name;
		}
	}
	Forge_Harness::$facts['gateways'] = $forge_classes;
	Forge_Harness::check( 'gateway_registered', (bool) $forge_classes, $forge_classes ? implode( ', ', $forge_classes ) : 'no WC_Payment_Gateway subclass on woocommerce_payment_gateways' );

	foreach ( $forge_classes as $forge_class ) {
		$forge_reflection = new ReflectionClass( $forge_class );
		if ( ! Forge_Harness::check( "instantiable:$forge_class", $forge_reflection->isInstantiable() ) ) {
			continue;
		}
		$forge_gateway = new $forge_class();
		Forge_Harness::check( "gateway_id:$forge_class", is_string( $forge_gateway->id ) && '' !== $forge_gateway->id, (string) $forge_gateway->id );
		$forge_fields = $forge_gateway->get_form_fields();
		Forge_Harness::check( "form_fields:$forge_class", is_array( $forge_fields ) && isset( $forge_fields['enabled'] ), implode( ', ', array_keys( (array) $forge_fields ) ) );
		Forge_Harness::check( "method_title:$forge_class", '' !== (string) $forge_gateway->get_method_title() );
		$forge_gateway->get_title();
		$forge_gateway->is_available();
		$forge_gateway->supports( 'products' );
		ob_start();
		$forge_gateway->payment_fields();
		$forge_gateway->admin_options();
		ob_end_clean();
	}
} catch ( Throwable $e ) {
	Forge_Harness::failed( $e );
	Forge_Harness::check( 'gateway_usable', false, get_class( $e ) . ': ' . $e->getMessage() );
}

if ( has_action( 'woocommerce_blocks_payment_method_type_registration' ) ) {
	try {
		$forge_registry = new Automattic\WooCommerce\Blocks\Payments\PaymentMethodRegistry();
		do_action( 'woocommerce_blocks_payment_method_type_registration', $forge_registry );
		$forge_integrations = $forge_registry->get_all_registered();
		Forge_Harness::$facts['blocks_integrations'] = array_keys( $forge_integrations );
		Forge_Harness::check( 'blocks_integration_registered', (bool) $forge_integrations );
		foreach ( $forge_integrations as $forge_name => $forge_integration ) {
			$forge_integration->initialize();
			$forge_integration->is_active();
			$forge_data = $forge_integration->get_payment_method_data();
			Forge_Harness::check( "blocks_data:$forge_name", is_array( $forge_data ) );
			foreach ( $forge_integration->get_payment_method_script_handles() as $forge_handle ) {
				$forge_src  = isset( Forge_Standins::$scripts[ $forge_handle ] ) ? (string) Forge_Standins::$scripts[ $forge_handle ]['src'] : '';
				$forge_base = plugin_dir_url( $forge_main );
				$forge_file = 0 === strpos( $forge_src, $forge_base ) ? $forge_plugin_dir . '/' . substr( $forge_src, strlen( $forge_base ) ) : '';
				Forge_Harness::check( "blocks_script:$forge_handle", '' !== $forge_file && is_file( $forge_file ), $forge_src );
			}
		}
	} catch ( Throwable $e ) {
		Forge_Harness::failed( $e );
		Forge_Harness::check( 'blocks_integration_usable', false, get_class( $e ) . ': ' . $e->getMessage() );
	}
}

// A public REST route that accepts an anonymous, unsigned request would let anyone change orders.
Forge_Harness::$facts['rest_routes'] = array_keys( Forge_Standins::$rest_routes );
foreach ( Forge_Standins::$rest_routes as $forge_route => $forge_endpoints ) {
	foreach ( $forge_endpoints as $forge_endpoint ) {
		foreach ( array_map( 'trim', explode( ',', (string) $forge_endpoint['methods'] ) ) as $forge_method ) {
			if ( 'POST' !== strtoupper( $forge_method ) ) {
				continue;
			}
			try {
				$forge_request = new WP_REST_Request( 'POST', $forge_route );
				$forge_request->set_body( '{}' );
				$forge_response = Forge_Standins::dispatch_rest( $forge_request );
				Forge_Harness::check( "rest_rejects_unsigned:$forge_route", $forge_response->get_status() >= 400, 'status ' . $forge_response->get_status() );
			} catch ( Throwable $e ) {
				Forge_Harness::failed( $e );
			}
		}
	}
}

ob_start();
try {
	Forge_Harness::fire( 'admin_init' );
	Forge_Harness::fire( 'admin_notices' );
} catch ( Throwable $e ) {
	Forge_Harness::failed( $e );
}
ob_end_clean();

$forge_domains = array_keys( Forge_Standins::$text_domains );
$forge_foreign = array_values( array_diff( $forge_domains, array( $forge_slug ) ) );
Forge_Harness::check( 'text_domain_is_slug', ! $forge_foreign, $forge_foreign ? 'also used: ' . implode( ', ', $forge_foreign ) : '' );

$forge_http = count( Forge_Standins::$http_requests );
Forge_Harness::check( 'no_http_while_loading', 0 === $forge_http, $forge_http ? $forge_http . ' request(s) to ' . Forge_Standins::$http_requests[0]['url'] : '' );

exit( Forge_Harness::finish() );
