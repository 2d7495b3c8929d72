<?php
/**
 * Plugin Forge sandbox driver: one phase of a real WordPress site's life per run, each in a fresh PHP process
 * (as each would be a separate request on a real site). Run with capture.php prepended.
 *
 * Usage: php driver.php <phase> <wordpress dir> <plugin main file, relative to wp-content/plugins>
 * Phases: install, activate, inspect, settings, uninstall. Prints a JSON object of facts on stdout.
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

/** The plugin's gateway: the one whose class is defined in the plugin's folder. */
function forge_gateway( string $main ) {
	$plugin_dir = dirname( WP_PLUGIN_DIR . '/' . $main );
	foreach ( WC()->payment_gateways()->payment_gateways() as $candidate ) {
		$file = ( new ReflectionClass( $candidate ) )->getFileName();
		if ( is_string( $file ) && 0 === strpos( $file, $plugin_dir ) ) {
			return $candidate;
		}
	}
	return null;
}

function forge_admin_notices(): string {
	ob_start();
	do_action( 'admin_notices' );
	return (string) ob_get_clean();
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
		// Configured as a merchant would: enabled, test mode, a key and a webhook signing secret per mode.
		$settings = array_merge(
			is_array( get_option( $gateway->get_option_key() ) ) ? get_option( $gateway->get_option_key() ) : array(),
			array(
				'enabled'             => 'yes',
				'testmode'            => 'yes',
				'test_api_key'        => (string) getenv( 'FORGE_TEST_KEY' ),
				'live_api_key'        => (string) getenv( 'FORGE_LIVE_KEY' ),
				'test_webhook_secret' => (string) getenv( 'FORGE_WEBHOOK_SECRET' ),
				'live_webhook_secret' => (string) getenv( 'FORGE_LIVE_WEBHOOK_SECRET' ),
				// The single-key names of earlier templates, so an older plugin fails on behaviour, not on setup.
				'api_key'             => (string) getenv( 'FORGE_TEST_KEY' ),
				'webhook_secret'      => (string) getenv( 'FORGE_WEBHOOK_SECRET' ),
			)
		);
		update_option( $gateway->get_option_key(), $settings );
		update_option( 'woocommerce_currency', (string) getenv( 'FORGE_CURRENCY' ) );
	}
	// Activation scheduled the plugin's recurring work with Action Scheduler (the stand-in's store).
	$forge_facts['scheduled'] = class_exists( 'Forge_Action_Scheduler' ) ? Forge_Action_Scheduler::all() : array();
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

if ( 'settings' === $forge_phase ) {
	// What a shop manager meets on the settings screen and the admin pages.
	$gateway = forge_gateway( $forge_main );
	if ( ! $gateway ) {
		forge_done( $forge_facts + array( 'error' => 'no gateway' ) );
	}
	$option = $gateway->get_option_key();
	$saved  = (array) get_option( $option );
	$field  = 'woocommerce_' . $gateway->id . '_';
	$post   = array();
	foreach ( $gateway->get_form_fields() as $name => $definition ) {
		$value = isset( $saved[ $name ] ) ? $saved[ $name ] : '';
		if ( 'checkbox' !== ( isset( $definition['type'] ) ? $definition['type'] : 'text' ) ) {
			$post[ $field . $name ] = $value;
		} elseif ( 'yes' === $value ) {
			$post[ $field . $name ] = '1';
		}
	}
	// A live key pasted into the test field is refused, and the saved key stays.
	$post[ $field . 'test_api_key' ] = (string) getenv( 'FORGE_LIVE_KEY' );
	$gateway->set_post_data( $post );
	$gateway->process_admin_options();
	$after                         = (array) get_option( $option );
	$forge_facts['key_errors']     = $gateway->get_errors();
	$forge_facts['key_kept']       = isset( $after['test_api_key'], $saved['test_api_key'] ) && $after['test_api_key'] === $saved['test_api_key'];
	$forge_facts['test_mode_note'] = false !== stripos( forge_admin_notices(), 'test mode' );
	$available                     = WC()->payment_gateways()->get_available_payment_gateways();
	$forge_facts['offered']        = isset( $available[ $gateway->id ] );
	// Without the webhook secret of the current mode the gateway is not offered, and the admin is told why.
	update_option( $option, array_merge( $saved, array( 'test_webhook_secret' => '' ) ) );
	$available                            = WC()->payment_gateways()->get_available_payment_gateways();
	$forge_facts['offered_without_secret'] = isset( $available[ $gateway->id ] );
	$forge_facts['notice_names_webhook']   = false !== stripos( forge_admin_notices(), 'webhook' );
	update_option( $option, $saved );
	$forge_facts['transaction_url'] = $gateway->get_transaction_url( wc_create_order_for_forge( array( 'transaction_id' => 'pay_forge1', 'payment_method' => $gateway->id ) ) );
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
	// Scheduled actions left behind would run the plugin's hooks with nothing listening.
	$forge_facts['leftover_actions'] = class_exists( 'Forge_Action_Scheduler' ) ? array_values(
		array_filter(
			array_column( Forge_Action_Scheduler::all(), 'hook' ),
			static function ( $hook ) use ( $needles ) {
				foreach ( $needles as $needle ) {
					if ( false !== strpos( (string) $hook, $needle ) ) {
						return true;
					}
				}
				return false;
			}
		)
	) : array();
	forge_done( $forge_facts );
}

fwrite( STDERR, "unknown phase: $forge_phase\n" );
exit( 2 );
