<?php
/**
 * Plugin Forge: the fake provider (provider.php) as a `php -S` router script, on loopback inside the sandbox.
 *
 * The site's outbound requests to the provider's hosts are sent here by the sandbox's route plugin, which keeps the
 * URL the plugin asked for in X-Forge-Upstream (so the fake knows the server, hence the mode, and the path).
 * Environment: FORGE_PROVIDER_CONTRACT (provider-api.json), FORGE_PROVIDER_STATE (a writable file),
 * FORGE_PROVIDER_CONFIG (keys and webhook secrets, JSON).
 *
 * @package Forge_Provider
 */

require_once __DIR__ . '/provider.php';

$forge_headers = array();
foreach ( $_SERVER as $forge_name => $forge_value ) {
	if ( 0 === strpos( $forge_name, 'HTTP_' ) ) {
		$forge_headers[ str_replace( '_', '-', strtolower( substr( $forge_name, 5 ) ) ) ] = (string) $forge_value;
	}
}
if ( isset( $_SERVER['CONTENT_TYPE'] ) ) {
	$forge_headers['content-type'] = (string) $_SERVER['CONTENT_TYPE'];
}
$forge_uri = (string) $_SERVER['REQUEST_URI'];
$forge_url = isset( $forge_headers['x-forge-upstream'] ) ? $forge_headers['x-forge-upstream'] : 'http://control' . $forge_uri;

$forge_provider = Forge_Fake_Provider::from_files(
	(string) getenv( 'FORGE_PROVIDER_CONTRACT' ),
	(string) getenv( 'FORGE_PROVIDER_STATE' ),
	(string) getenv( 'FORGE_PROVIDER_CONFIG' )
);
$forge_answer = $forge_provider->handle( (string) $_SERVER['REQUEST_METHOD'], $forge_url, $forge_headers, (string) file_get_contents( 'php://input' ) );

http_response_code( $forge_answer['status'] );
foreach ( $forge_answer['headers'] as $forge_name => $forge_value ) {
	header( $forge_name . ': ' . $forge_value );
}
echo $forge_answer['body']; // phpcs:ignore -- JSON for the sandbox's own client.
