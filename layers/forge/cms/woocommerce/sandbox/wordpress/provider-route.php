<?php
/**
 * Plugin Name: Plugin Forge sandbox: provider route
 * Description: NOT part of the plugin under test (a must-use plugin of the sandbox site). When FORGE_PROVIDER_URL
 *              is set, requests to the payment provider's hosts (FORGE_PROVIDER_HOSTS) go to the fake provider on
 *              loopback instead, which validates them against the provider API document. The URL the plugin asked
 *              for travels in X-Forge-Upstream (the fake tells test from live by it) and its timeout in
 *              X-Forge-Timeout. Any other host stays unreachable: the sandbox has no network.
 *
 * @package Forge_Sandbox
 */

defined( 'ABSPATH' ) || exit;

if ( getenv( 'FORGE_PROVIDER_URL' ) ) {
	add_filter(
		'pre_http_request',
		static function ( $pre, $args, $url ) {
			$hosts = array_filter( explode( ',', (string) getenv( 'FORGE_PROVIDER_HOSTS' ) ) );
			$host  = strtolower( (string) wp_parse_url( (string) $url, PHP_URL_HOST ) );
			if ( false !== $pre || ! in_array( $host, $hosts, true ) ) {
				return $pre;
			}
			$args            = (array) $args;
			$args['headers'] = isset( $args['headers'] ) ? (array) $args['headers'] : array();
			$args['headers']['X-Forge-Upstream'] = (string) $url;
			$args['headers']['X-Forge-Timeout']  = isset( $args['timeout'] ) ? (string) $args['timeout'] : '';
			$args['reject_unsafe_urls']          = false;
			$path = (string) wp_parse_url( (string) $url, PHP_URL_PATH );
			return wp_remote_request( rtrim( (string) getenv( 'FORGE_PROVIDER_URL' ), '/' ) . $path, $args );
		},
		1,
		3
	);
}
