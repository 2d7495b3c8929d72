<?php
/**
 * STAND-INS for the WordPress and WooCommerce APIs a payment gateway plugin calls.
 *
 * This is NOT WordPress and NOT WooCommerce. Plugin Forge ships these small fakes so a generated
 * plugin can be loaded under E_ALL (sandbox/harness.php) and unit-tested (tests/stubs.php) without a
 * WordPress install, a database or the network. They follow the real functions wherever a plugin can
 * observe the difference (hook priorities and argument counts, option storage, the shape of HTTP
 * response arrays, REST header canonicalisation, "doing it wrong" notices); everything else is left
 * out. Test-only helpers live on Forge_Standins.
 *
 * Written for PHP 7.4 to 8.3.
 */

namespace {

	define( 'MINUTE_IN_SECONDS', 60 );
	define( 'HOUR_IN_SECONDS', 3600 );
	define( 'DAY_IN_SECONDS', 86400 );
	define( 'WEEK_IN_SECONDS', 604800 );

	/**
	 * State of every stand-in, plus helpers tests use to fake HTTP responses and inspect effects.
	 */
	final class Forge_Standins {
		const SITE_URL = 'https://shop.example';

		/** @var array<string, array<int, array<int, array{0: callable, 1: int}>>> */
		public static $hooks = array();
		/** @var array<string, int> */
		public static $hooks_done = array();
		/** @var string[] Hooks currently running, innermost last. */
		public static $running_hooks = array();
		/** @var array<string, mixed> */
		public static $options = array();
		/** @var array<int, array<string, mixed>|WP_Error> Responses wp_remote_* hands out, first in first out. */
		public static $http_queue = array();
		/** @var array<int, array{method: string, url: string, args: array<string, mixed>}> */
		public static $http_requests = array();
		/** @var array<int, array{message: string, type: string}> */
		public static $notices = array();
		/** @var array<int, WC_Order> */
		public static $orders = array();
		/** @var int */
		public static $next_order_id = 100;
		/** @var array<string, array<int, array<string, mixed>>> */
		public static $rest_routes = array();
		/** @var array<string, array<string, mixed>> */
		public static $scripts = array();
		/** @var array<string, array<string, bool>> feature id => plugin file => compatible */
		public static $declared_features = array();
		/** @var array<string, int> text domain => number of translation calls */
		public static $text_domains = array();
		/** @var array<int, array{level: string, message: string, context: array<string, mixed>}> */
		public static $logs = array();
		/** @var array<string, bool> */
		public static $capabilities = array(
			'manage_woocommerce' => true,
			'manage_options'     => true,
			'activate_plugins'   => true,
		);
		/** @var string */
		public static $currency = 'USD';
		/** @var int */
		public static $cart_emptied = 0;
		/** @var Forge_Fake_Provider|null Answers requests to the provider's hosts when no response is queued. */
		public static $provider = null;
		/** @var string[] Hosts the fake provider answers for. */
		public static $provider_hosts = array();
		/** @var callable|null Called with (request, response) after the fake answered, before the plugin sees it. */
		public static $after_provider = null;
		/** @var array<int, array{id: int, parent: int, amount: string, reason: string, meta: array<string, mixed>}> */
		public static $refunds = array();
		/** @var int */
		public static $next_refund_id = 900;

		/**
		 * Forget what one test did (options, HTTP, orders, notices), keeping the hooks and REST routes
		 * the plugin registered when it was loaded.
		 */
		public static function reset(): void {
			self::$options       = array();
			self::$http_queue    = array();
			self::$http_requests = array();
			self::$notices       = array();
			self::$orders        = array();
			self::$next_order_id = 100;
			self::$logs          = array();
			self::$currency      = 'USD';
			self::$cart_emptied  = 0;
			self::$provider       = null;
			self::$provider_hosts = array();
			self::$after_provider = null;
			self::$refunds        = array();
			self::$next_refund_id = 900;
			$GLOBALS['wpdb']      = new Forge_Standins_Wpdb();
			self::$capabilities  = array(
				'manage_woocommerce' => true,
				'manage_options'     => true,
				'activate_plugins'   => true,
			);
		}

		/**
		 * Queue the next response of wp_remote_*; an array body is sent as JSON.
		 *
		 * @param int                   $code    HTTP status.
		 * @param string|array<mixed>   $body    Response body.
		 * @param array<string, string> $headers Response headers.
		 */
		public static function queue_response( int $code, $body, array $headers = array() ): void {
			if ( is_array( $body ) ) {
				$body                    = (string) json_encode( $body );
				$headers['content-type'] = 'application/json';
			}
			self::$http_queue[] = array(
				'headers'  => array_change_key_case( $headers, CASE_LOWER ),
				'body'     => $body,
				'response' => array(
					'code'    => $code,
					'message' => '',
				),
				'cookies'  => array(),
				'filename' => null,
			);
		}

		public static function queue_http_error( string $message ): void {
			self::$http_queue[] = new WP_Error( 'http_request_failed', $message );
		}

		/**
		 * @param array<string, mixed> $args
		 * @return array<string, mixed>|WP_Error
		 */
		public static function http( string $method, string $url, array $args ) {
			self::$http_requests[] = array(
				'method' => $method,
				'url'    => $url,
				'args'   => $args,
			);
			if ( self::$http_queue ) {
				return array_shift( self::$http_queue );
			}
			$host = strtolower( (string) parse_url( $url, PHP_URL_HOST ) );
			if ( null !== self::$provider && in_array( $host, self::$provider_hosts, true ) ) {
				$headers = isset( $args['headers'] ) ? (array) $args['headers'] : array();
				if ( isset( $args['timeout'] ) ) {
					$headers['X-Forge-Timeout'] = (string) $args['timeout'];
				}
				$body     = isset( $args['body'] ) && is_string( $args['body'] ) ? $args['body'] : '';
				$answer   = self::$provider->handle( $method, $url, $headers, $body );
				$response = array(
					'headers'  => array_change_key_case( $answer['headers'], CASE_LOWER ),
					'body'     => $answer['body'],
					'response' => array(
						'code'    => $answer['status'],
						'message' => '',
					),
					'cookies'  => array(),
					'filename' => null,
				);
				if ( null !== self::$after_provider ) {
					call_user_func( self::$after_provider, end( self::$http_requests ), $answer );
				}
				return $response;
			}
			return new WP_Error( 'http_request_failed', 'Forge stand-in: no HTTP response queued (the sandbox is offline).' );
		}

		/**
		 * @return array{method: string, url: string, args: array<string, mixed>}|null
		 */
		public static function last_request(): ?array {
			$last = end( self::$http_requests );
			return false === $last ? null : $last;
		}

		/**
		 * @param array<string, mixed> $props Order data, as WC_Order::set_props takes it.
		 */
		public static function create_order( array $props = array() ): WC_Order {
			$order = new WC_Order();
			$order->set_id( self::$next_order_id++ );
			$order->set_order_key( 'wc_order_' . substr( hash( 'sha256', (string) $order->get_id() ), 0, 13 ) );
			$order->set_props( $props );
			self::$orders[ $order->get_id() ] = $order;
			return $order;
		}

		/**
		 * Route a request the way WP_REST_Server does: permission callback first, then the callback.
		 */
		public static function dispatch_rest( WP_REST_Request $request ): WP_REST_Response {
			$route = '/' . trim( $request->get_route(), '/' );
			if ( ! isset( self::$rest_routes[ $route ] ) ) {
				return new WP_REST_Response( array( 'code' => 'rest_no_route' ), 404 );
			}
			foreach ( self::$rest_routes[ $route ] as $endpoint ) {
				$methods = array_map( 'trim', explode( ',', strtoupper( (string) $endpoint['methods'] ) ) );
				if ( ! in_array( $request->get_method(), $methods, true ) ) {
					continue;
				}
				$allowed = call_user_func( $endpoint['permission_callback'], $request );
				if ( is_wp_error( $allowed ) ) {
					return self::error_response( $allowed, 403 );
				}
				if ( true !== $allowed ) {
					return new WP_REST_Response( array( 'code' => 'rest_forbidden' ), 401 );
				}
				$result = call_user_func( $endpoint['callback'], $request );
				return is_wp_error( $result ) ? self::error_response( $result, 500 ) : rest_ensure_response( $result );
			}
			return new WP_REST_Response( array( 'code' => 'rest_no_route' ), 404 );
		}

		private static function error_response( WP_Error $error, int $default_status ): WP_REST_Response {
			$data   = $error->get_error_data();
			$status = is_array( $data ) && isset( $data['status'] ) ? (int) $data['status'] : $default_status;
			return new WP_REST_Response(
				array(
					'code'    => $error->get_error_code(),
					'message' => $error->get_error_message(),
				),
				$status
			);
		}

		/**
		 * Mirrors WordPress' _doing_it_wrong(), which raises an E_USER_NOTICE under WP_DEBUG.
		 */
		public static function doing_it_wrong( string $function_name, string $message ): void {
			trigger_error( sprintf( '%s was called incorrectly. %s', $function_name, $message ), E_USER_NOTICE ); // phpcs:ignore
		}

		public static function translated( string $domain ): void {
			self::$text_domains[ $domain ] = ( isset( self::$text_domains[ $domain ] ) ? self::$text_domains[ $domain ] : 0 ) + 1;
		}
	}

	/** Raised by the wp_die() stand-in, which must not end the test run. */
	class Forge_Standins_Die extends RuntimeException {
	}

	// ---- Hooks -------------------------------------------------------------------------------------

	function add_filter( $hook_name, $callback, $priority = 10, $accepted_args = 1 ) {
		Forge_Standins::$hooks[ $hook_name ][ (int) $priority ][] = array( $callback, (int) $accepted_args );
		return true;
	}

	function add_action( $hook_name, $callback, $priority = 10, $accepted_args = 1 ) {
		return add_filter( $hook_name, $callback, $priority, $accepted_args );
	}

	function has_filter( $hook_name, $callback = false ) {
		if ( empty( Forge_Standins::$hooks[ $hook_name ] ) ) {
			return false;
		}
		if ( false === $callback ) {
			return true;
		}
		foreach ( Forge_Standins::$hooks[ $hook_name ] as $priority => $entries ) {
			foreach ( $entries as $entry ) {
				if ( $entry[0] === $callback ) {
					return $priority;
				}
			}
		}
		return false;
	}

	function has_action( $hook_name, $callback = false ) {
		return has_filter( $hook_name, $callback );
	}

	function remove_filter( $hook_name, $callback, $priority = 10 ) {
		if ( empty( Forge_Standins::$hooks[ $hook_name ][ $priority ] ) ) {
			return false;
		}
		foreach ( Forge_Standins::$hooks[ $hook_name ][ $priority ] as $i => $entry ) {
			if ( $entry[0] === $callback ) {
				unset( Forge_Standins::$hooks[ $hook_name ][ $priority ][ $i ] );
				return true;
			}
		}
		return false;
	}

	function remove_action( $hook_name, $callback, $priority = 10 ) {
		return remove_filter( $hook_name, $callback, $priority );
	}

	/**
	 * @param array<int, mixed> $args
	 * @return mixed
	 */
	function forge_standins_run_hook( string $hook_name, array $args, bool $is_filter ) {
		$value = $is_filter ? $args[0] : null;
		if ( empty( Forge_Standins::$hooks[ $hook_name ] ) ) {
			return $value;
		}
		$by_priority = Forge_Standins::$hooks[ $hook_name ];
		ksort( $by_priority );
		Forge_Standins::$running_hooks[] = $hook_name;
		try {
			foreach ( $by_priority as $entries ) {
				foreach ( $entries as $entry ) {
					if ( $is_filter ) {
						$args[0] = $value;
					}
					$result = call_user_func_array( $entry[0], array_slice( $args, 0, $entry[1] ) );
					if ( $is_filter ) {
						$value = $result;
					}
				}
			}
		} finally {
			array_pop( Forge_Standins::$running_hooks );
		}
		return $value;
	}

	function apply_filters( $hook_name, $value, ...$args ) {
		array_unshift( $args, $value );
		return forge_standins_run_hook( $hook_name, $args, true );
	}

	function do_action( $hook_name, ...$args ) {
		Forge_Standins::$hooks_done[ $hook_name ] = did_action( $hook_name ) + 1;
		if ( ! $args ) {
			// WordPress passes an empty string when an action has no argument.
			$args = array( '' );
		}
		forge_standins_run_hook( $hook_name, $args, false );
	}

	function do_action_ref_array( $hook_name, $args ) {
		do_action( $hook_name, ...array_values( (array) $args ) );
	}

	function did_action( $hook_name ) {
		return isset( Forge_Standins::$hooks_done[ $hook_name ] ) ? Forge_Standins::$hooks_done[ $hook_name ] : 0;
	}

	function doing_action( $hook_name = null ) {
		if ( null === $hook_name ) {
			return ! empty( Forge_Standins::$running_hooks );
		}
		return in_array( $hook_name, Forge_Standins::$running_hooks, true );
	}

	function doing_filter( $hook_name = null ) {
		return doing_action( $hook_name );
	}

	function __return_true() {
		return true;
	}

	function __return_false() {
		return false;
	}

	function _doing_it_wrong( $function_name, $message, $version ) {
		Forge_Standins::doing_it_wrong( (string) $function_name, (string) $message );
	}

	// ---- Internationalisation (no translations loaded: text comes back unchanged) -----------------

	function __( $text, $domain = 'default' ) {
		Forge_Standins::translated( (string) $domain );
		return $text;
	}

	function _x( $text, $context, $domain = 'default' ) {
		return __( $text, $domain );
	}

	function _n( $single, $plural, $number, $domain = 'default' ) {
		return 1 === (int) $number ? __( $single, $domain ) : __( $plural, $domain );
	}

	function _e( $text, $domain = 'default' ) {
		echo __( $text, $domain ); // phpcs:ignore
	}

	function esc_html__( $text, $domain = 'default' ) {
		return esc_html( __( $text, $domain ) );
	}

	function esc_html_e( $text, $domain = 'default' ) {
		echo esc_html__( $text, $domain ); // phpcs:ignore
	}

	function esc_attr__( $text, $domain = 'default' ) {
		return esc_attr( __( $text, $domain ) );
	}

	function esc_attr_e( $text, $domain = 'default' ) {
		echo esc_attr__( $text, $domain ); // phpcs:ignore
	}

	function load_plugin_textdomain( $domain, $deprecated = false, $plugin_rel_path = false ) {
		return true;
	}

	// ---- Escaping and sanitising --------------------------------------------------------------------

	function esc_html( $text ) {
		return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
	}

	function esc_attr( $text ) {
		return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
	}

	function esc_textarea( $text ) {
		return htmlspecialchars( (string) $text, ENT_QUOTES, 'UTF-8' );
	}

	function esc_js( $text ) {
		return addcslashes( (string) $text, "\\'\"\n\r<>&" );
	}

	function esc_url_raw( $url, $protocols = null ) {
		$url = trim( (string) $url );
		if ( '' === $url ) {
			return '';
		}
		$url    = (string) preg_replace( '|[^a-z0-9-~+_.?#=!&;,/:%@$\|*\'()\[\]\x80-\xff]|i', '', $url );
		$scheme = (string) parse_url( $url, PHP_URL_SCHEME );
		if ( '' !== $scheme && ! in_array( strtolower( $scheme ), array( 'http', 'https', 'mailto' ), true ) ) {
			return '';
		}
		return $url;
	}

	function esc_url( $url, $protocols = null, $_context = 'display' ) {
		return htmlspecialchars( esc_url_raw( $url, $protocols ), ENT_QUOTES, 'UTF-8' );
	}

	function wp_kses_post( $data ) {
		return strip_tags( (string) $data, '<a><abbr><b><br><code><em><i><li><ol><p><span><strong><ul>' );
	}

	function sanitize_text_field( $str ) {
		if ( is_object( $str ) || is_array( $str ) ) {
			return '';
		}
		$filtered = strip_tags( (string) $str );
		$filtered = (string) preg_replace( '/[\r\n\t ]+/', ' ', $filtered );
		return trim( $filtered );
	}

	function sanitize_key( $key ) {
		return (string) preg_replace( '/[^a-z0-9_\-]/', '', strtolower( (string) $key ) );
	}

	function wp_unslash( $value ) {
		if ( is_array( $value ) ) {
			return array_map( 'wp_unslash', $value );
		}
		return is_string( $value ) ? stripslashes( $value ) : $value;
	}

	function wc_clean( $value ) {
		if ( is_array( $value ) ) {
			return array_map( 'wc_clean', $value );
		}
		return is_scalar( $value ) ? sanitize_text_field( $value ) : $value;
	}

	function absint( $maybeint ) {
		return abs( (int) $maybeint );
	}

	function wp_json_encode( $data, $options = 0, $depth = 512 ) {
		return json_encode( $data, $options, $depth );
	}

	function wpautop( $text, $br = true ) {
		$text = trim( (string) $text );
		if ( '' === $text ) {
			return '';
		}
		$paragraphs = preg_split( '/\n\s*\n/', $text );
		return '<p>' . implode( "</p>\n<p>", is_array( $paragraphs ) ? $paragraphs : array( $text ) ) . "</p>\n";
	}

	function wp_die( $message = '', $title = '', $args = array() ) {
		throw new Forge_Standins_Die( is_string( $message ) ? $message : 'wp_die' );
	}

	// ---- Options and transients ---------------------------------------------------------------------

	function get_option( $option, $default_value = false ) {
		return array_key_exists( $option, Forge_Standins::$options ) ? Forge_Standins::$options[ $option ] : $default_value;
	}

	function update_option( $option, $value, $autoload = null ) {
		Forge_Standins::$options[ $option ] = $value;
		return true;
	}

	function add_option( $option, $value = '', $deprecated = '', $autoload = 'yes' ) {
		if ( array_key_exists( $option, Forge_Standins::$options ) ) {
			return false;
		}
		Forge_Standins::$options[ $option ] = $value;
		return true;
	}

	function delete_option( $option ) {
		$existed = array_key_exists( $option, Forge_Standins::$options );
		unset( Forge_Standins::$options[ $option ] );
		return $existed;
	}

	function set_transient( $transient, $value, $expiration = 0 ) {
		$expires = (int) $expiration > 0 ? time() + (int) $expiration : 0;
		return update_option( '_transient_' . $transient, array( $value, $expires ) );
	}

	function get_transient( $transient ) {
		$stored = get_option( '_transient_' . $transient, null );
		if ( ! is_array( $stored ) || ( $stored[1] && $stored[1] < time() ) ) {
			return false;
		}
		return $stored[0];
	}

	function delete_transient( $transient ) {
		return delete_option( '_transient_' . $transient );
	}

	// ---- HTTP (offline: responses come from Forge_Standins::queue_response) -----------------------

	function wp_remote_request( $url, $args = array() ) {
		$method = isset( $args['method'] ) ? strtoupper( (string) $args['method'] ) : 'GET';
		return Forge_Standins::http( $method, (string) $url, (array) $args );
	}

	function wp_remote_post( $url, $args = array() ) {
		$args['method'] = 'POST';
		return wp_remote_request( $url, $args );
	}

	function wp_remote_get( $url, $args = array() ) {
		$args['method'] = 'GET';
		return wp_remote_request( $url, $args );
	}

	function wp_safe_remote_post( $url, $args = array() ) {
		return wp_remote_post( $url, $args );
	}

	function wp_safe_remote_get( $url, $args = array() ) {
		return wp_remote_get( $url, $args );
	}

	function wp_remote_retrieve_body( $response ) {
		if ( is_wp_error( $response ) || ! isset( $response['body'] ) ) {
			return '';
		}
		return $response['body'];
	}

	function wp_remote_retrieve_response_code( $response ) {
		if ( is_wp_error( $response ) || ! isset( $response['response'] ) || ! is_array( $response['response'] ) ) {
			return '';
		}
		return $response['response']['code'];
	}

	function wp_remote_retrieve_header( $response, $header ) {
		if ( is_wp_error( $response ) || ! isset( $response['headers'] ) ) {
			return '';
		}
		$header = strtolower( (string) $header );
		return isset( $response['headers'][ $header ] ) ? $response['headers'][ $header ] : '';
	}

	class WP_Error {
		/** @var array<string|int, string[]> */
		public $errors = array();
		/** @var array<string|int, mixed> */
		public $error_data = array();

		public function __construct( $code = '', $message = '', $data = '' ) {
			if ( '' === $code ) {
				return;
			}
			$this->add( $code, $message, $data );
		}

		public function add( $code, $message, $data = '' ) {
			$this->errors[ $code ][] = $message;
			if ( '' !== $data ) {
				$this->error_data[ $code ] = $data;
			}
		}

		public function get_error_codes() {
			return array_keys( $this->errors );
		}

		public function get_error_code() {
			$codes = $this->get_error_codes();
			return $codes ? $codes[0] : '';
		}

		public function get_error_messages( $code = '' ) {
			if ( '' === $code ) {
				$all = array();
				foreach ( $this->errors as $messages ) {
					$all = array_merge( $all, $messages );
				}
				return $all;
			}
			return isset( $this->errors[ $code ] ) ? $this->errors[ $code ] : array();
		}

		public function get_error_message( $code = '' ) {
			if ( '' === $code ) {
				$code = $this->get_error_code();
			}
			$messages = $this->get_error_messages( $code );
			return $messages ? $messages[0] : '';
		}

		public function get_error_data( $code = '' ) {
			if ( '' === $code ) {
				$code = $this->get_error_code();
			}
			return isset( $this->error_data[ $code ] ) ? $this->error_data[ $code ] : null;
		}

		public function has_errors() {
			return ! empty( $this->errors );
		}
	}

	function is_wp_error( $thing ) {
		return $thing instanceof WP_Error;
	}

	// ---- URLs and paths ------------------------------------------------------------------------------

	function trailingslashit( $value ) {
		return rtrim( (string) $value, '/\\' ) . '/';
	}

	function untrailingslashit( $value ) {
		return rtrim( (string) $value, '/\\' );
	}

	// WordPress runs these only on the Plugins screen; the stand-ins record them as hooks, like WordPress does.
	function register_activation_hook( $file, $callback ) {
		add_action( 'activate_' . plugin_basename( $file ), $callback );
	}

	function register_deactivation_hook( $file, $callback ) {
		add_action( 'deactivate_' . plugin_basename( $file ), $callback );
	}

	function register_uninstall_hook( $file, $callback ) {
	}

	function plugin_basename( $file ) {
		return basename( dirname( (string) $file ) ) . '/' . basename( (string) $file );
	}

	function plugin_dir_path( $file ) {
		return trailingslashit( dirname( (string) $file ) );
	}

	function plugin_dir_url( $file ) {
		return Forge_Standins::SITE_URL . '/wp-content/plugins/' . basename( dirname( (string) $file ) ) . '/';
	}

	function plugins_url( $path = '', $plugin = '' ) {
		$base = '' === $plugin ? Forge_Standins::SITE_URL . '/wp-content/plugins/' : plugin_dir_url( $plugin );
		return $base . ltrim( (string) $path, '/' );
	}

	function home_url( $path = '', $scheme = null ) {
		return Forge_Standins::SITE_URL . '/' . ltrim( (string) $path, '/' );
	}

	function site_url( $path = '', $scheme = null ) {
		return home_url( $path );
	}

	function admin_url( $path = '', $scheme = 'admin' ) {
		return Forge_Standins::SITE_URL . '/wp-admin/' . ltrim( (string) $path, '/' );
	}

	function rest_url( $path = '', $scheme = 'rest' ) {
		return Forge_Standins::SITE_URL . '/wp-json/' . ltrim( (string) $path, '/' );
	}

	function add_query_arg( $key, $value, $url ) {
		$separator = false === strpos( (string) $url, '?' ) ? '?' : '&';
		return $url . $separator . rawurlencode( (string) $key ) . '=' . rawurlencode( (string) $value );
	}

	// ---- Users, capabilities and nonces -----------------------------------------------------------

	function current_user_can( $capability, ...$args ) {
		return ! empty( Forge_Standins::$capabilities[ $capability ] );
	}

	function is_admin() {
		return false;
	}

	function wp_create_nonce( $action = -1 ) {
		return substr( hash( 'sha256', 'forge-standin-nonce|' . $action ), 0, 10 );
	}

	function wp_verify_nonce( $nonce, $action = -1 ) {
		return is_string( $nonce ) && hash_equals( wp_create_nonce( $action ), $nonce ) ? 1 : false;
	}

	function wp_nonce_field( $action = -1, $name = '_wpnonce', $referer = true, $display = true ) {
		$field = '<input type="hidden" name="' . esc_attr( $name ) . '" value="' . esc_attr( wp_create_nonce( $action ) ) . '" />';
		if ( $display ) {
			echo $field; // phpcs:ignore
		}
		return $field;
	}

	function wp_nonce_url( $actionurl, $action = -1, $name = '_wpnonce' ) {
		return add_query_arg( $name, wp_create_nonce( $action ), str_replace( '&amp;', '&', (string) $actionurl ) );
	}

	function wp_safe_redirect( $location, $status = 302, $x_redirect_by = 'WordPress' ) {
		return true;
	}

	function check_admin_referer( $action = -1, $query_arg = '_wpnonce' ) {
		$nonce  = isset( $_REQUEST[ $query_arg ] ) ? wp_unslash( $_REQUEST[ $query_arg ] ) : ''; // phpcs:ignore
		$result = wp_verify_nonce( $nonce, $action );
		if ( ! $result ) {
			wp_die( 'The link you followed has expired.' );
		}
		return $result;
	}

	// ---- Scripts ---------------------------------------------------------------------------------------

	function wp_register_script( $handle, $src, $deps = array(), $ver = false, $args = array() ) {
		Forge_Standins::$scripts[ $handle ] = array(
			'src'  => $src,
			'deps' => $deps,
			'ver'  => $ver,
		);
		return true;
	}

	function wp_enqueue_script( $handle, $src = '', $deps = array(), $ver = false, $args = array() ) {
		if ( '' !== $src ) {
			wp_register_script( $handle, $src, $deps, $ver, $args );
		}
	}

	function wp_set_script_translations( $handle, $domain = 'default', $path = '' ) {
		Forge_Standins::translated( (string) $domain );
		return isset( Forge_Standins::$scripts[ $handle ] );
	}

	// ---- REST API --------------------------------------------------------------------------------------

	class WP_REST_Server {
		const READABLE   = 'GET';
		const CREATABLE  = 'POST';
		const EDITABLE   = 'POST, PUT, PATCH';
		const DELETABLE  = 'DELETE';
		const ALLMETHODS = 'GET, POST, PUT, PATCH, DELETE';
	}

	function register_rest_route( $route_namespace, $route, $args = array(), $override = false ) {
		if ( ! doing_action( 'rest_api_init' ) ) {
			Forge_Standins::doing_it_wrong( 'register_rest_route', 'REST API routes must be registered on the rest_api_init action.' );
		}
		$endpoints = isset( $args['callback'] ) ? array( $args ) : $args;
		foreach ( $endpoints as $endpoint ) {
			if ( ! isset( $endpoint['permission_callback'] ) ) {
				Forge_Standins::doing_it_wrong( 'register_rest_route', 'The REST API route definition is missing the required permission_callback argument.' );
			}
		}
		$full = '/' . trim( (string) $route_namespace, '/' ) . '/' . trim( (string) $route, '/' );
		if ( $override || ! isset( Forge_Standins::$rest_routes[ $full ] ) ) {
			Forge_Standins::$rest_routes[ $full ] = array();
		}
		foreach ( $endpoints as $endpoint ) {
			Forge_Standins::$rest_routes[ $full ][] = $endpoint + array(
				'methods'             => 'GET',
				'permission_callback' => '__return_true',
			);
		}
		return true;
	}

	class WP_REST_Request {
		/** @var string */
		protected $method;
		/** @var string */
		protected $route;
		/** @var array<string, string[]> */
		protected $headers = array();
		/** @var string */
		protected $body = '';
		/** @var array<string, mixed> */
		protected $params = array();

		public function __construct( $method = '', $route = '', $attributes = array() ) {
			$this->method = strtoupper( (string) $method );
			$this->route  = (string) $route;
		}

		public function get_method() {
			return $this->method;
		}

		public function get_route() {
			return $this->route;
		}

		/** WordPress stores headers lower-cased with dashes turned into underscores. */
		public static function canonicalize_header_name( $key ) {
			return str_replace( '-', '_', strtolower( (string) $key ) );
		}

		public function set_header( $key, $value ) {
			$this->headers[ self::canonicalize_header_name( $key ) ] = (array) $value;
		}

		public function get_header( $key ) {
			$key = self::canonicalize_header_name( $key );
			return isset( $this->headers[ $key ] ) ? implode( ',', $this->headers[ $key ] ) : null;
		}

		public function get_headers() {
			return $this->headers;
		}

		public function set_body( $data ) {
			$this->body = (string) $data;
		}

		public function get_body() {
			return $this->body;
		}

		public function get_json_params() {
			$decoded = json_decode( $this->body, true );
			return is_array( $decoded ) ? $decoded : null;
		}

		public function set_param( $key, $value ) {
			$this->params[ $key ] = $value;
		}

		public function get_param( $key ) {
			return isset( $this->params[ $key ] ) ? $this->params[ $key ] : null;
		}

		public function get_params() {
			return $this->params;
		}
	}

	class WP_REST_Response {
		/** @var mixed */
		public $data;
		/** @var int */
		public $status;
		/** @var array<string, string> */
		public $headers;

		public function __construct( $data = null, $status = 200, $headers = array() ) {
			$this->data    = $data;
			$this->status  = (int) $status;
			$this->headers = $headers;
		}

		public function get_data() {
			return $this->data;
		}

		public function set_data( $data ) {
			$this->data = $data;
		}

		public function get_status() {
			return $this->status;
		}

		public function set_status( $code ) {
			$this->status = (int) $code;
		}

		public function header( $key, $value, $replace = true ) {
			$this->headers[ $key ] = $value;
		}

		public function get_headers() {
			return $this->headers;
		}
	}

	function rest_ensure_response( $response ) {
		if ( $response instanceof WP_REST_Response ) {
			return $response;
		}
		return new WP_REST_Response( $response );
	}

	// ---- WooCommerce -----------------------------------------------------------------------------------

	function wc_add_notice( $message, $notice_type = 'success', $data = array() ) {
		Forge_Standins::$notices[] = array(
			'message' => (string) $message,
			'type'    => (string) $notice_type,
		);
	}

	function get_woocommerce_currency() {
		return apply_filters( 'woocommerce_currency', Forge_Standins::$currency );
	}

	function wc_get_order( $the_order = false ) {
		if ( $the_order instanceof WC_Order ) {
			return $the_order;
		}
		$id = is_numeric( $the_order ) ? (int) $the_order : 0;
		return isset( Forge_Standins::$orders[ $id ] ) ? Forge_Standins::$orders[ $id ] : false;
	}

	function wc_get_is_paid_statuses() {
		return array( 'processing', 'completed' );
	}

	class Forge_Standins_Logger {
		public function log( $level, $message, $context = array() ) {
			Forge_Standins::$logs[] = array(
				'level'   => (string) $level,
				'message' => (string) $message,
				'context' => (array) $context,
			);
		}

		public function debug( $message, $context = array() ) {
			$this->log( 'debug', $message, $context );
		}

		public function info( $message, $context = array() ) {
			$this->log( 'info', $message, $context );
		}

		public function warning( $message, $context = array() ) {
			$this->log( 'warning', $message, $context );
		}

		public function error( $message, $context = array() ) {
			$this->log( 'error', $message, $context );
		}
	}

	function wc_get_logger() {
		return new Forge_Standins_Logger();
	}

	class WC_Cart {
		public function empty_cart( $clear_persistent_cart = true ) {
			++Forge_Standins::$cart_emptied;
		}
	}

	class WC_Order {
		/** @var int */
		protected $id = 0;
		/** @var array<string, mixed> */
		protected $data = array(
			'status'             => 'pending',
			'currency'           => 'USD',
			'total'              => '0',
			'order_key'          => '',
			'payment_method'     => '',
			'transaction_id'     => '',
			'billing_first_name' => '',
			'billing_last_name'  => '',
			'billing_email'      => '',
			'billing_phone'      => '',
			'billing_country'    => '',
			'date_paid'          => null,
		);
		/** @var array<string, mixed> */
		protected $meta = array();
		/** @var array<int, array{note: string, customer: bool}> Test inspection: notes added. */
		public $notes = array();
		/** @var int Test inspection: how often save() ran. */
		public $saves = 0;

		public function __construct( $order = 0 ) {
			$this->id = (int) $order;
		}

		/**
		 * @param array<string, mixed> $props
		 */
		public function set_props( array $props ) {
			foreach ( $props as $key => $value ) {
				if ( array_key_exists( $key, $this->data ) ) {
					$this->data[ $key ] = $value;
				}
			}
		}

		public function get_id() {
			return $this->id;
		}

		public function set_id( $id ) {
			$this->id = (int) $id;
		}

		public function get_order_number() {
			return (string) $this->id;
		}

		public function get_status() {
			return $this->data['status'];
		}

		public function set_status( $new_status ) {
			$new_status = 0 === strpos( (string) $new_status, 'wc-' ) ? substr( (string) $new_status, 3 ) : (string) $new_status;
			$old                  = $this->data['status'];
			$this->data['status'] = $new_status;
			return array(
				'from' => $old,
				'to'   => $new_status,
			);
		}

		public function has_status( $status ) {
			return in_array( $this->get_status(), (array) $status, true );
		}

		public function get_total() {
			return (string) $this->data['total'];
		}

		public function set_total( $value ) {
			$this->data['total'] = (string) $value;
		}

		public function get_currency() {
			return $this->data['currency'];
		}

		public function set_currency( $value ) {
			$this->data['currency'] = (string) $value;
		}

		public function get_order_key() {
			return $this->data['order_key'];
		}

		public function set_order_key( $value ) {
			$this->data['order_key'] = (string) $value;
		}

		public function get_payment_method() {
			return $this->data['payment_method'];
		}

		public function set_payment_method( $value ) {
			$this->data['payment_method'] = (string) $value;
		}

		public function get_transaction_id() {
			return $this->data['transaction_id'];
		}

		public function set_transaction_id( $value ) {
			$this->data['transaction_id'] = (string) $value;
		}

		public function get_billing_first_name() {
			return $this->data['billing_first_name'];
		}

		public function get_billing_last_name() {
			return $this->data['billing_last_name'];
		}

		public function get_billing_email() {
			return $this->data['billing_email'];
		}

		public function get_billing_phone() {
			return $this->data['billing_phone'];
		}

		public function get_billing_country() {
			return $this->data['billing_country'];
		}

		public function get_date_paid() {
			return $this->data['date_paid'];
		}

		public function is_paid() {
			return $this->has_status( wc_get_is_paid_statuses() );
		}

		public function needs_payment() {
			return $this->has_status( array( 'pending', 'failed' ) ) && (float) $this->get_total() > 0;
		}

		public function payment_complete( $transaction_id = '' ) {
			if ( ! $this->has_status( array( 'on-hold', 'pending', 'failed', 'cancelled' ) ) ) {
				return false;
			}
			if ( '' !== (string) $transaction_id ) {
				$this->set_transaction_id( $transaction_id );
			}
			$this->data['date_paid'] = time();
			$change                  = $this->set_status( 'processing' );
			$this->save();
			// WooCommerce announces both; the contract suites capture them as the payment's events.
			do_action( 'woocommerce_payment_complete', $this->get_id(), (string) $transaction_id );
			do_action( 'woocommerce_order_status_changed', $this->get_id(), $change['from'], $change['to'], $this );
			return true;
		}

		public function update_status( $new_status, $note = '', $manual = false ) {
			$change = $this->set_status( $new_status );
			if ( $change['from'] !== $change['to'] ) {
				$this->add_order_note( trim( sprintf( 'Order status changed from %s to %s. %s', $change['from'], $change['to'], $note ) ) );
			} elseif ( '' !== (string) $note ) {
				$this->add_order_note( (string) $note );
			}
			$this->save();
			if ( $change['from'] !== $change['to'] ) {
				do_action( 'woocommerce_order_status_changed', $this->get_id(), $change['from'], $change['to'], $this );
			}
			return true;
		}

		public function add_order_note( $note, $is_customer_note = 0, $added_by_user = false ) {
			$this->notes[] = array(
				'note'     => (string) $note,
				'customer' => (bool) $is_customer_note,
			);
			return count( $this->notes );
		}

		public function get_meta( $key = '', $single = true, $context = 'view' ) {
			return isset( $this->meta[ $key ] ) ? $this->meta[ $key ] : '';
		}

		public function update_meta_data( $key, $value, $meta_id = 0 ) {
			$this->meta[ $key ] = $value;
		}

		public function delete_meta_data( $key ) {
			unset( $this->meta[ $key ] );
		}

		public function save() {
			++$this->saves;
			return $this->id;
		}

		/** Meta lives in memory here; WooCommerce re-reads it from the database. */
		public function read_meta_data( $force_read = false ) {
		}

		/** @return WC_Order_Refund[] newest first, as WooCommerce returns them. */
		public function get_refunds() {
			$refunds = array();
			foreach ( array_reverse( Forge_Standins::$refunds, true ) as $id => $refund ) {
				if ( $refund['parent'] === $this->id ) {
					$refunds[] = new WC_Order_Refund( $id );
				}
			}
			return $refunds;
		}

		public function get_total_refunded() {
			$total = 0.0;
			foreach ( $this->get_refunds() as $refund ) {
				$total += (float) $refund->get_amount();
			}
			return $total;
		}

		public function get_remaining_refund_amount() {
			return number_format( (float) $this->get_total() - $this->get_total_refunded(), 2, '.', '' );
		}

		public function get_checkout_order_received_url() {
			return Forge_Standins::SITE_URL . '/checkout/order-received/' . $this->id . '/?key=' . rawurlencode( $this->get_order_key() );
		}

		public function get_cancel_order_url_raw( $redirect = '' ) {
			return Forge_Standins::SITE_URL . '/cart/?cancel_order=true&order_id=' . $this->id . '&order=' . rawurlencode( $this->get_order_key() );
		}
	}

	/** A refund of an order, kept in Forge_Standins::$refunds. */
	class WC_Order_Refund {
		/** @var int */
		protected $id;

		public function __construct( $id = 0 ) {
			$this->id = (int) $id;
		}

		public function get_id() {
			return $this->id;
		}

		public function get_parent_id() {
			return isset( Forge_Standins::$refunds[ $this->id ] ) ? Forge_Standins::$refunds[ $this->id ]['parent'] : 0;
		}

		public function get_amount() {
			return isset( Forge_Standins::$refunds[ $this->id ] ) ? Forge_Standins::$refunds[ $this->id ]['amount'] : '0';
		}

		public function get_reason() {
			return isset( Forge_Standins::$refunds[ $this->id ] ) ? Forge_Standins::$refunds[ $this->id ]['reason'] : '';
		}

		public function get_meta( $key = '', $single = true, $context = 'view' ) {
			return isset( Forge_Standins::$refunds[ $this->id ]['meta'][ $key ] ) ? Forge_Standins::$refunds[ $this->id ]['meta'][ $key ] : '';
		}

		public function update_meta_data( $key, $value, $meta_id = 0 ) {
			if ( isset( Forge_Standins::$refunds[ $this->id ] ) ) {
				Forge_Standins::$refunds[ $this->id ]['meta'][ $key ] = $value;
			}
		}

		public function save() {
			return $this->id;
		}

		public function delete( $force_delete = false ) {
			unset( Forge_Standins::$refunds[ $this->id ] );
			return true;
		}
	}

	/** The host half of wc_create_refund() (woocommerce-gateway-api.php): a saved refund of `$order`. */
	function forge_standin_new_refund( $order, $amount, $reason ) {
		$id                             = Forge_Standins::$next_refund_id++;
		Forge_Standins::$refunds[ $id ] = array(
			'id'     => $id,
			'parent' => $order->get_id(),
			'amount' => (string) $amount,
			'reason' => (string) $reason,
			'meta'   => array(),
		);
		return new WC_Order_Refund( $id );
	}

	/**
	 * The WooCommerce order query, for the arguments payment gateways use: status, payment_method,
	 * date_created ('>' timestamp), limit, return ('ids' or objects).
	 *
	 * @param array<string, mixed> $args
	 * @return array<int, WC_Order|int>
	 */
	function wc_get_orders( $args = array() ) {
		$found = array();
		foreach ( Forge_Standins::$orders as $order ) {
			if ( forge_standin_order_matches( $order, $args ) ) {
				$found[] = isset( $args['return'] ) && 'ids' === $args['return'] ? $order->get_id() : $order;
			}
		}
		$limit = isset( $args['limit'] ) ? (int) $args['limit'] : 10;
		return $limit > 0 ? array_slice( $found, 0, $limit ) : $found;
	}

	/** @param array<string, mixed> $args */
	function forge_standin_order_matches( $order, $args ) {
		if ( isset( $args['status'] ) ) {
			$statuses = array_map(
				static function ( $status ) {
					return 0 === strpos( (string) $status, 'wc-' ) ? substr( (string) $status, 3 ) : (string) $status;
				},
				(array) $args['status']
			);
			if ( ! in_array( $order->get_status(), $statuses, true ) ) {
				return false;
			}
		}
		if ( isset( $args['payment_method'] ) && $order->get_payment_method() !== $args['payment_method'] ) {
			return false;
		}
		return true;
	}

	/**
	 * STAND-IN for $wpdb, for the statements a plugin uses for atomic claims on the options table (the pattern of
	 * WordPress' own WP_Upgrader::create_lock()): INSERT IGNORE, SELECT option_value, UPDATE ... (AND option_value =),
	 * DELETE ... (AND option_value =, or LIKE). Any other statement raises a notice, so a plugin that relies on
	 * more SQL fails here instead of passing untested.
	 */
	final class Forge_Standins_Wpdb {
		/** @var string */
		public $prefix = 'wp_';
		/** @var string */
		public $options = 'wp_options';
		/** @var int */
		public $rows_affected = 0;
		/** @var string */
		public $last_error = '';
		/** @var string[] */
		public $queries = array();

		public function prepare( $query, ...$args ) {
			if ( isset( $args[0] ) && is_array( $args[0] ) ) {
				$args = $args[0];
			}
			$i = 0;
			return (string) preg_replace_callback(
				'/%[sdf]/',
				static function ( $m ) use ( &$i, $args ) {
					$value = isset( $args[ $i ] ) ? $args[ $i ] : '';
					++$i;
					return '%s' === $m[0] ? "'" . addslashes( (string) $value ) . "'" : (string) ( '%d' === $m[0] ? (int) $value : (float) $value );
				},
				(string) $query
			);
		}

		public function esc_like( $text ) {
			return addcslashes( (string) $text, '_%\\' );
		}

		/** @return string[] the quoted values of a prepared statement, unescaped */
		private static function values( $sql ) {
			preg_match_all( "/'((?:[^'\\\\]|\\\\.)*)'/", $sql, $m );
			return array_map( 'stripslashes', $m[1] );
		}

		private static function like( $pattern, $value ) {
			$regex = '';
			$len   = strlen( $pattern );
			for ( $i = 0; $i < $len; $i++ ) {
				$c = $pattern[ $i ];
				if ( '\\' === $c && $i + 1 < $len ) {
					$regex .= preg_quote( $pattern[ ++$i ], '/' );
				} elseif ( '%' === $c ) {
					$regex .= '.*';
				} elseif ( '_' === $c ) {
					$regex .= '.';
				} else {
					$regex .= preg_quote( $c, '/' );
				}
			}
			return 1 === preg_match( '/^' . $regex . '$/s', (string) $value );
		}

		public function query( $sql ) {
			$this->queries[]     = $sql;
			$this->rows_affected = 0;
			$sql                 = trim( preg_replace( '/\s+/', ' ', (string) $sql ) );
			$table               = preg_quote( $this->options, '/' );
			$v                   = self::values( $sql );
			if ( preg_match( "/^INSERT IGNORE INTO `?$table`? \\(`?option_name`?, `?option_value`?, `?autoload`?\\) VALUES/i", $sql ) ) {
				if ( ! array_key_exists( $v[0], Forge_Standins::$options ) ) {
					Forge_Standins::$options[ $v[0] ] = $v[1];
					$this->rows_affected              = 1;
				}
				return $this->rows_affected;
			}
			if ( preg_match( "/^UPDATE `?$table`? SET `?option_value`? = '.*' WHERE `?option_name`? = '.*?'( AND `?option_value`? = '.*')?$/i", $sql, $m ) ) {
				$matches = array_key_exists( $v[1], Forge_Standins::$options ) && ( empty( $m[1] ) || (string) Forge_Standins::$options[ $v[1] ] === $v[2] );
				if ( $matches && (string) Forge_Standins::$options[ $v[1] ] !== $v[0] ) {
					Forge_Standins::$options[ $v[1] ] = $v[0];
					$this->rows_affected              = 1;
				}
				return $this->rows_affected;
			}
			if ( preg_match( "/^DELETE FROM `?$table`? WHERE `?option_name`? (=|LIKE) '/i", $sql, $m ) ) {
				$rest = trim( substr( $sql, strpos( $sql, 'WHERE' ) + 5 ) );
				foreach ( array_keys( Forge_Standins::$options ) as $name ) {
					if ( self::row_matches( $rest, $name, Forge_Standins::$options[ $name ] ) ) {
						unset( Forge_Standins::$options[ $name ] );
						++$this->rows_affected;
					}
				}
				return $this->rows_affected;
			}
			trigger_error( 'Forge stand-in $wpdb does not support: ' . $sql, E_USER_NOTICE ); // phpcs:ignore
			return false;
		}

		/** `option_name = 'x'|LIKE 'x'` [AND option_value = 'y'|LIKE 'y'|< 'y'] ... */
		private static function row_matches( $where, $name, $value ) {
			$conditions = preg_split( '/ AND /i', $where );
			foreach ( (array) $conditions as $condition ) {
				if ( ! preg_match( "/^`?(option_name|option_value)`? (=|LIKE|<) '((?:[^'\\\\]|\\\\.)*)'$/i", trim( $condition ), $c ) ) {
					return false;
				}
				$subject  = 'option_name' === strtolower( $c[1] ) ? (string) $name : (string) $value;
				$operand  = stripslashes( $c[3] );
				$operator = strtoupper( $c[2] );
				if ( ( '=' === $operator && $subject !== $operand ) || ( 'LIKE' === $operator && ! self::like( $operand, $subject ) )
					|| ( '<' === $operator && strcmp( $subject, $operand ) >= 0 ) ) {
					return false;
				}
			}
			return true;
		}

		public function get_var( $sql ) {
			$this->queries[] = $sql;
			$table           = preg_quote( $this->options, '/' );
			$v               = self::values( $sql );
			if ( preg_match( "/^SELECT `?option_value`? FROM `?$table`? WHERE `?option_name`? = '/i", trim( (string) $sql ) ) ) {
				return array_key_exists( $v[0], Forge_Standins::$options ) ? (string) Forge_Standins::$options[ $v[0] ] : null;
			}
			trigger_error( 'Forge stand-in $wpdb does not support: ' . $sql, E_USER_NOTICE ); // phpcs:ignore
			return null;
		}
	}

	$GLOBALS['wpdb'] = new Forge_Standins_Wpdb();

	// WC_Settings_API, WC_Payment_Gateway, WC_Payment_Gateways, WooCommerce and WC(): shared with the WordPress sandbox.
	require_once __DIR__ . '/woocommerce-gateway-api.php';
}

namespace Automattic\WooCommerce\Utilities {

	/** Stand-in for WooCommerce's feature compatibility registry (HPOS, blocks checkout). */
	class FeaturesUtil {
		public static function declare_compatibility( $feature_id, $plugin_file, $positive_compatibility = true ) {
			if ( ! doing_action( 'before_woocommerce_init' ) ) {
				\Forge_Standins::doing_it_wrong( __METHOD__, 'Declare feature compatibility on the before_woocommerce_init action.' );
			}
			\Forge_Standins::$declared_features[ (string) $feature_id ][ (string) $plugin_file ] = (bool) $positive_compatibility;
			return true;
		}
	}
}

namespace Automattic\WooCommerce\Blocks\Integrations {

	interface IntegrationInterface {
		public function get_name();

		public function initialize();

		public function get_script_handles();

		public function get_editor_script_handles();

		public function get_script_data();
	}
}

namespace Automattic\WooCommerce\Blocks\Payments {

	interface PaymentMethodTypeInterface extends \Automattic\WooCommerce\Blocks\Integrations\IntegrationInterface {
		public function is_active();

		public function get_payment_method_script_handles();

		public function get_payment_method_script_handles_for_admin();

		public function get_supported_features();

		public function get_payment_method_data();
	}

	/** Stand-in for the registry passed to woocommerce_blocks_payment_method_type_registration. */
	class PaymentMethodRegistry {
		/** @var array<string, PaymentMethodTypeInterface> */
		protected $registered = array();

		public function register( $integration ) {
			$name = $integration->get_name();
			if ( isset( $this->registered[ $name ] ) ) {
				\Forge_Standins::doing_it_wrong( __METHOD__, sprintf( 'Payment method "%s" is already registered.', $name ) );
				return false;
			}
			$this->registered[ $name ] = $integration;
			return true;
		}

		public function is_registered( $name ) {
			return isset( $this->registered[ $name ] );
		}

		public function get_all_registered() {
			return $this->registered;
		}
	}
}

namespace Automattic\WooCommerce\Blocks\Payments\Integrations {

	use Automattic\WooCommerce\Blocks\Payments\PaymentMethodTypeInterface;

	/** Stand-in for the base class of block checkout payment method integrations. */
	abstract class AbstractPaymentMethodType implements PaymentMethodTypeInterface {
		/** @var string */
		protected $name = '';
		/** @var array<string, mixed> */
		protected $settings = array();

		public function get_name() {
			return $this->name;
		}

		public function is_active() {
			return true;
		}

		public function get_payment_method_script_handles() {
			return array();
		}

		public function get_payment_method_script_handles_for_admin() {
			return $this->get_payment_method_script_handles();
		}

		public function get_supported_features() {
			return array( 'products' );
		}

		public function get_payment_method_data() {
			return array();
		}

		public function get_setting( $name, $default_value = '' ) {
			return isset( $this->settings[ $name ] ) ? $this->settings[ $name ] : $default_value;
		}

		public function get_script_handles() {
			return $this->get_payment_method_script_handles();
		}

		public function get_editor_script_handles() {
			return $this->get_payment_method_script_handles_for_admin();
		}

		public function get_script_data() {
			return $this->get_payment_method_data();
		}
	}
}
