<?php
/**
 * Plugin Forge sandbox driver: one phase of a real WordPress site's life per run, each in a fresh PHP process
 * (as each would be a separate request on a real site). Run with capture.php prepended.
 *
 * Usage: php driver.php <phase> <wordpress dir> <plugin main file, relative to wp-content/plugins>
 * Phases: install, activate, inspect, uninstall. Prints a JSON object of facts on stdout.
 */

if ( $argc < 4 ) {
	fwrite( STDERR, "usage: php driver.php <install|activate|inspect|uninstall> <wordpress dir> <plugin main file>\n" );
	exit( 2 );
}
list( , $forge_phase, $forge_wp, $forge_main ) = $argv;
$forge_facts = array( 'phase' => $forge_phase );

// WordPress reads these from the request; a CLI run has none.
$_SERVER['HTTP_HOST']   = 'localhost';
$_SERVER['SERVER_NAME'] = 'localhost';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_PORT'] = '80';

function forge_done( array $facts ): void {
	echo json_encode( $facts, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ), "\n";
	exit( 0 );
}

function forge_error_text( $result ): string {
	return is_wp_error( $result ) ? $result->get_error_code() . ': ' . $result->get_error_message() : '';
}

if ( 'install' === $forge_phase ) {
	define( 'WP_INSTALLING', true );
	require $forge_wp . '/wp-load.php';
	require_once ABSPATH . 'wp-admin/includes/upgrade.php';
	$result = wp_install( 'Forge sandbox', 'forge-admin', 'admin@sandbox.invalid', false, '', wp_generate_password( 24 ) );
	$forge_facts['installed']  = is_array( $result ) && ! empty( $result['user_id'] );
	$forge_facts['wp_version'] = get_bloginfo( 'version' );
	$forge_facts['db_engine']  = defined( 'DB_ENGINE' ) ? DB_ENGINE : 'mysql';
	forge_done( $forge_facts );
}

require $forge_wp . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/plugin.php';
wp_set_current_user( 1 );

if ( 'activate' === $forge_phase ) {
	$forge_facts['woocommerce'] = forge_error_text( activate_plugin( 'woocommerce/woocommerce.php' ) );
	$forge_facts['error']       = forge_error_text( activate_plugin( $forge_main ) );
	$forge_facts['active']      = is_plugin_active( $forge_main );
	forge_done( $forge_facts );
}

if ( 'inspect' === $forge_phase ) {
	$plugin_dir = dirname( WP_PLUGIN_DIR . '/' . $forge_main );
	$gateway    = null;
	$ids        = array();
	foreach ( WC()->payment_gateways()->payment_gateways() as $id => $candidate ) {
		$ids[] = $id;
		$file  = ( new ReflectionClass( $candidate ) )->getFileName();
		if ( null === $gateway && is_string( $file ) && 0 === strpos( $file, $plugin_dir ) ) {
			$gateway = $candidate;
		}
	}
	$forge_facts['gateways'] = $ids;
	$forge_facts['gateway']  = $gateway ? $gateway->id : '';
	if ( $gateway ) {
		// Configured as a merchant would: enabled, test mode, a key, a webhook signing secret.
		$settings = array_merge(
			is_array( get_option( $gateway->get_option_key() ) ) ? get_option( $gateway->get_option_key() ) : array(),
			array(
				'enabled'        => 'yes',
				'testmode'       => 'yes',
				'api_key'        => 'forge-sandbox-key',
				'webhook_secret' => (string) getenv( 'FORGE_WEBHOOK_SECRET' ),
			)
		);
		update_option( $gateway->get_option_key(), $settings );
	}
	$routes = array_keys( rest_get_server()->get_routes() );
	$slug   = dirname( $forge_main );
	$forge_facts['routes'] = array_values( array_filter( $routes, static function ( $r ) use ( $slug ) {
		return 0 === strpos( $r, '/' . $slug . '/' );
	} ) );
	// No network in the sandbox: WordPress's HTTP API and a raw socket must both fail.
	$probe = wp_remote_get( 'https://' . ( getenv( 'FORGE_PROBE_HOST' ) ?: 'wordpress.org' ) . '/', array( 'timeout' => 3 ) );
	$forge_facts['outbound_http'] = is_wp_error( $probe ) ? 'failed: ' . $probe->get_error_message() : 'succeeded: HTTP ' . wp_remote_retrieve_response_code( $probe );
	$socket = @fsockopen( '1.1.1.1', 443, $errno, $errstr, 3 ); // phpcs:ignore
	$forge_facts['outbound_socket'] = false === $socket ? 'failed: ' . $errstr : 'succeeded';
	forge_done( $forge_facts );
}

if ( 'uninstall' === $forge_phase ) {
	global $wpdb;
	deactivate_plugins( $forge_main );
	$forge_facts['deactivated']   = is_plugin_inactive( $forge_main );
	$forge_facts['uninstallable'] = is_uninstallable_plugin( $forge_main );
	if ( $forge_facts['uninstallable'] ) {
		uninstall_plugin( $forge_main );
	}
	$needles  = array_filter( array( (string) getenv( 'FORGE_GATEWAY_ID' ), str_replace( '-', '_', dirname( $forge_main ) ) ) );
	$leftover = array();
	foreach ( $needles as $needle ) {
		$like     = '%' . $wpdb->esc_like( $needle ) . '%';
		$leftover = array_merge( $leftover, $wpdb->get_col( $wpdb->prepare( "SELECT option_name FROM {$wpdb->options} WHERE option_name LIKE %s", $like ) ) );
	}
	$forge_facts['leftover_options'] = array_values( array_unique( $leftover ) );
	forge_done( $forge_facts );
}

fwrite( STDERR, "unknown phase: $forge_phase\n" );
exit( 2 );
