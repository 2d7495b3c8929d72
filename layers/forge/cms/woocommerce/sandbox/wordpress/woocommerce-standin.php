<?php
/**
 * Plugin Name: WooCommerce STAND-IN (Plugin Forge sandbox)
 * Description: NOT WooCommerce. The few WooCommerce classes and functions a payment gateway plugin calls, so the
 *              forge can activate a gateway inside a real WordPress with no network. Installed as
 *              plugins/woocommerce/woocommerce.php so `Requires Plugins: woocommerce` is satisfied.
 *              The AWS sandbox image installs the real WooCommerce instead (functions/Dockerfile, target sandbox).
 * Version: 9.3.0-forge-standin
 * Requires at least: 6.5
 * License: GPL-2.0-or-later
 * Text Domain: woocommerce
 *
 * @package Forge_Sandbox
 */

defined( 'ABSPATH' ) || exit;

define( 'WC_VERSION', '9.3.0' );
define( 'FORGE_WC_STANDIN', true );

// WC_Settings_API, WC_Payment_Gateway, WC_Payment_Gateways, WooCommerce, WC(), wc_create_refund() and the Action
// Scheduler functions: the sandbox's one stand-in of them, copied beside this file (wordpress_site.build_site).
require_once __DIR__ . '/woocommerce-gateway-api.php';

/**
 * Orders, refunds and the log, stored in options of their own (one per order and refund). Like WooCommerce's
 * tables they are shared by every PHP process of the site (php -S runs several workers): reads bypass the
 * object cache, and a save writes only what this object changed, under an exclusive lock, so two requests
 * handling one order at once behave as they would against WooCommerce.
 */
final class Forge_WC_Store {
	const ORDER      = 'forge_wc_order_';
	const REFUND     = 'forge_wc_refund_';
	const INDEX      = 'forge_wc_order_ids';
	const NEXT_ID    = 'forge_wc_next_id';
	const LOG_OPTION = 'forge_wc_log';

	/** @var resource|null */
	private static $lock = null;

	/** @var int */
	private static $depth = 0;

	public static function lock(): void {
		if ( 0 === self::$depth++ ) {
			self::$lock = fopen( WP_CONTENT_DIR . '/forge-wc-store.lock', 'c' );
			flock( self::$lock, LOCK_EX );
		}
	}

	public static function unlock(): void {
		if ( 0 === --self::$depth && self::$lock ) {
			flock( self::$lock, LOCK_UN );
			fclose( self::$lock );
			self::$lock = null;
		}
	}

	/** @return mixed the option as stored now, whatever this process cached */
	public static function read( string $name, $default_value = null ) {
		wp_cache_delete( $name, 'options' );
		wp_cache_delete( 'notoptions', 'options' );
		return get_option( $name, $default_value );
	}

	/** @param mixed $value */
	public static function write( string $name, $value ): void {
		update_option( $name, $value, false );
	}

	public static function next_id(): int {
		self::lock();
		try {
			$id = max( 1001, (int) self::read( self::NEXT_ID, 1001 ) );
			self::write( self::NEXT_ID, $id + 1 );
			return $id;
		} finally {
			self::unlock();
		}
	}

	/** @param array<string, mixed> $context */
	public static function log( string $level, string $message, array $context ): void {
		self::lock();
		try {
			$log   = (array) self::read( self::LOG_OPTION, array() );
			$log[] = array(
				'level'   => $level,
				'message' => $message,
				'source'  => isset( $context['source'] ) ? (string) $context['source'] : '',
			);
			self::write( self::LOG_OPTION, array_slice( $log, -200 ) );
		} finally {
			self::unlock();
		}
	}
}

class WC_Cart {
	public function empty_cart( $clear_persistent_cart = true ) {
	}
}

class WC_Order {
	/** @var int */
	protected $id;
	/** @var array<string, mixed> */
	protected $data;
	/** @var array<string, mixed> */
	protected $changes = array();
	/** @var array<string, mixed> meta key => value, or null to delete */
	protected $meta_changes = array();

	const DEFAULTS = array(
		'status'                 => 'pending',
		'currency'               => 'USD',
		'total'                  => '0',
		'order_key'              => '',
		'payment_method'         => '',
		'transaction_id'         => '',
		'billing_email'          => '',
		'billing_country'        => '',
		'date_created'           => 0,
		'date_paid'              => 0,
		'meta'                   => array(),
		'notes'                  => array(),
		'refunds'                => array(),
		'payment_complete_calls' => 0,
	);

	public function __construct( $id = 0, array $data = array() ) {
		$this->id   = (int) $id;
		$this->data = $data + self::DEFAULTS;
	}

	/** @return mixed */
	protected function prop( string $name ) {
		return array_key_exists( $name, $this->changes ) ? $this->changes[ $name ] : $this->data[ $name ];
	}

	public function get_id() {
		return $this->id;
	}

	public function get_order_number() {
		return (string) $this->id;
	}

	public function get_status() {
		return (string) $this->prop( 'status' );
	}

	public function set_status( $new_status ) {
		$new_status = 0 === strpos( (string) $new_status, 'wc-' ) ? substr( (string) $new_status, 3 ) : (string) $new_status;
		$old        = $this->get_status();
		$this->changes['status'] = $new_status;
		return array(
			'from' => $old,
			'to'   => $new_status,
		);
	}

	public function has_status( $status ) {
		return in_array( $this->get_status(), (array) $status, true );
	}

	public function get_total() {
		return (string) $this->prop( 'total' );
	}

	public function get_currency() {
		return (string) $this->prop( 'currency' );
	}

	public function get_order_key() {
		return (string) $this->prop( 'order_key' );
	}

	public function get_payment_method() {
		return (string) $this->prop( 'payment_method' );
	}

	public function set_payment_method( $value ) {
		$this->changes['payment_method'] = (string) $value;
	}

	public function get_transaction_id() {
		return (string) $this->prop( 'transaction_id' );
	}

	public function set_transaction_id( $value ) {
		$this->changes['transaction_id'] = (string) $value;
	}

	public function get_billing_first_name() {
		return 'Awa';
	}

	public function get_billing_last_name() {
		return 'Diop';
	}

	public function get_billing_email() {
		return (string) $this->prop( 'billing_email' );
	}

	public function get_billing_phone() {
		return '';
	}

	public function get_billing_country() {
		return (string) $this->prop( 'billing_country' );
	}

	public function is_paid() {
		return $this->has_status( wc_get_is_paid_statuses() );
	}

	public function get_meta( $key = '', $single = true, $context = 'view' ) {
		if ( array_key_exists( $key, $this->meta_changes ) ) {
			return null === $this->meta_changes[ $key ] ? '' : $this->meta_changes[ $key ];
		}
		return isset( $this->data['meta'][ $key ] ) ? $this->data['meta'][ $key ] : '';
	}

	public function update_meta_data( $key, $value, $meta_id = 0 ) {
		$this->meta_changes[ $key ] = $value;
	}

	public function delete_meta_data( $key ) {
		$this->meta_changes[ $key ] = null;
	}

	/** WooCommerce reads the meta again from the database when forced. */
	public function read_meta_data( $force_read = false ) {
		if ( $force_read ) {
			$stored             = Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->id );
			$this->data['meta'] = is_array( $stored ) && isset( $stored['meta'] ) ? $stored['meta'] : array();
		}
	}

	public function payment_complete( $transaction_id = '' ) {
		if ( ! $this->has_status( array( 'on-hold', 'pending', 'failed', 'cancelled' ) ) ) {
			do_action( 'woocommerce_payment_complete_order_status_' . $this->get_status(), $this->id );
			return false;
		}
		if ( '' !== (string) $transaction_id ) {
			$this->set_transaction_id( $transaction_id );
		}
		$this->changes['date_paid'] = time();
		$change                     = $this->set_status( 'processing' );
		$this->save();
		// Counted apart from the order's fields, so two completions are both counted whatever each one read.
		Forge_WC_Store::lock();
		try {
			$stored                            = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->id, array() );
			$stored['payment_complete_calls']  = (int) ( $stored['payment_complete_calls'] ?? 0 ) + 1;
			$this->data['payment_complete_calls'] = $stored['payment_complete_calls'];
			Forge_WC_Store::write( Forge_WC_Store::ORDER . $this->id, $stored );
		} finally {
			Forge_WC_Store::unlock();
		}
		do_action( 'woocommerce_payment_complete', $this->id, (string) $transaction_id );
		do_action( 'woocommerce_order_status_changed', $this->id, $change['from'], $change['to'], $this );
		return true;
	}

	public function update_status( $new_status, $note = '', $manual = false ) {
		$change = $this->set_status( $new_status );
		$this->save();
		if ( $change['from'] !== $change['to'] ) {
			$this->add_order_note( trim( sprintf( 'Order status changed from %s to %s. %s', $change['from'], $change['to'], $note ) ) );
			do_action( 'woocommerce_order_status_changed', $this->id, $change['from'], $change['to'], $this );
		} elseif ( '' !== (string) $note ) {
			$this->add_order_note( (string) $note );
		}
		return true;
	}

	/** Notes are rows of their own in WooCommerce: added at once, never lost to another request's save. */
	public function add_order_note( $note, $is_customer_note = 0, $added_by_user = false ) {
		Forge_WC_Store::lock();
		try {
			$stored            = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->id, array() );
			$stored           += self::DEFAULTS;
			$stored['notes'][] = (string) $note;
			Forge_WC_Store::write( Forge_WC_Store::ORDER . $this->id, $stored );
			$this->data['notes'] = $stored['notes'];
			return count( $stored['notes'] );
		} finally {
			Forge_WC_Store::unlock();
		}
	}

	/** @return string[] */
	public function get_notes() {
		return $this->data['notes'];
	}

	/** @return WC_Order_Refund[] newest first */
	public function get_refunds() {
		$stored  = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->id, array() );
		$refunds = array();
		foreach ( array_reverse( isset( $stored['refunds'] ) ? (array) $stored['refunds'] : array() ) as $refund_id ) {
			$refund = WC_Order_Refund::load( (int) $refund_id );
			if ( null !== $refund ) {
				$refunds[] = $refund;
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
		return home_url( '/checkout/order-received/' . $this->id . '/?key=' . rawurlencode( $this->get_order_key() ) );
	}

	public function get_cancel_order_url_raw( $redirect = '' ) {
		return home_url( '/cart/?cancel_order=true&order_id=' . $this->id );
	}

	/** Writes what this object changed onto the stored order, as WooCommerce's data stores do. */
	public function save() {
		Forge_WC_Store::lock();
		try {
			$stored  = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->id, array() );
			$stored += self::DEFAULTS;
			foreach ( $this->changes as $name => $value ) {
				$stored[ $name ] = $value;
			}
			foreach ( $this->meta_changes as $key => $value ) {
				if ( null === $value ) {
					unset( $stored['meta'][ $key ] );
				} else {
					$stored['meta'][ $key ] = $value;
				}
			}
			Forge_WC_Store::write( Forge_WC_Store::ORDER . $this->id, $stored );
			$this->data         = $stored;
			$this->changes      = array();
			$this->meta_changes = array();
			return $this->id;
		} finally {
			Forge_WC_Store::unlock();
		}
	}

	/** @return array<string, mixed> the stored form, this object's changes included */
	public function to_stored() {
		return array_merge( $this->data, $this->changes );
	}

	/** @return array<string, mixed> what the sandbox's checks read */
	public function to_array() {
		$refunds = array();
		foreach ( $this->get_refunds() as $refund ) {
			$refunds[] = array(
				'id'     => $refund->get_id(),
				'amount' => $refund->get_amount(),
				'reason' => $refund->get_reason(),
				'meta'   => $refund->get_all_meta(),
			);
		}
		return array(
			'id'                     => $this->id,
			'status'                 => $this->get_status(),
			'total'                  => $this->get_total(),
			'currency'               => $this->get_currency(),
			'transaction_id'         => $this->get_transaction_id(),
			'payment_method'         => $this->get_payment_method(),
			'meta'                   => $this->data['meta'],
			'notes'                  => $this->data['notes'],
			'refunds'                => $refunds,
			'payment_complete_calls' => (int) $this->data['payment_complete_calls'],
			'received_url'           => $this->get_checkout_order_received_url(),
		);
	}
}

class WC_Order_Refund {
	/** @var int */
	protected $id;
	/** @var array<string, mixed> */
	protected $data;

	public function __construct( $id = 0, array $data = array() ) {
		$this->id   = (int) $id;
		$this->data = $data + array(
			'parent' => 0,
			'amount' => '0',
			'reason' => '',
			'meta'   => array(),
		);
	}

	public static function load( int $id ): ?self {
		$stored = Forge_WC_Store::read( Forge_WC_Store::REFUND . $id );
		return is_array( $stored ) ? new self( $id, $stored ) : null;
	}

	public function get_id() {
		return $this->id;
	}

	public function get_parent_id() {
		return (int) $this->data['parent'];
	}

	public function get_amount() {
		return (string) $this->data['amount'];
	}

	public function get_reason() {
		return (string) $this->data['reason'];
	}

	public function get_meta( $key = '', $single = true, $context = 'view' ) {
		return isset( $this->data['meta'][ $key ] ) ? $this->data['meta'][ $key ] : '';
	}

	/** @return array<string, mixed> */
	public function get_all_meta() {
		return (array) $this->data['meta'];
	}

	public function update_meta_data( $key, $value, $meta_id = 0 ) {
		$this->data['meta'][ $key ] = $value;
	}

	public function save() {
		Forge_WC_Store::write( Forge_WC_Store::REFUND . $this->id, $this->data );
		return $this->id;
	}

	public function delete( $force_delete = false ) {
		Forge_WC_Store::lock();
		try {
			delete_option( Forge_WC_Store::REFUND . $this->id );
			$order = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $this->get_parent_id(), array() );
			if ( isset( $order['refunds'] ) ) {
				$order['refunds'] = array_values( array_diff( (array) $order['refunds'], array( $this->id ) ) );
				Forge_WC_Store::write( Forge_WC_Store::ORDER . $this->get_parent_id(), $order );
			}
			return true;
		} finally {
			Forge_WC_Store::unlock();
		}
	}
}

/** The host half of wc_create_refund() (woocommerce-gateway-api.php): a saved refund of `$order`. */
function forge_standin_new_refund( $order, $amount, $reason ) {
	Forge_WC_Store::lock();
	try {
		$refund = new WC_Order_Refund(
			Forge_WC_Store::next_id(),
			array(
				'parent' => $order->get_id(),
				'amount' => (string) $amount,
				'reason' => (string) $reason,
			)
		);
		$refund->save();
		$stored              = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $order->get_id(), array() );
		$stored['refunds'][] = $refund->get_id();
		Forge_WC_Store::write( Forge_WC_Store::ORDER . $order->get_id(), $stored );
		return $refund;
	} finally {
		Forge_WC_Store::unlock();
	}
}

/**
 * @param int|WC_Order|false $the_order Order id.
 * @return WC_Order|false a fresh object read from the store, as WooCommerce gives one per call
 */
function wc_get_order( $the_order = false ) {
	$id     = $the_order instanceof WC_Order ? $the_order->get_id() : (int) $the_order;
	$stored = Forge_WC_Store::read( Forge_WC_Store::ORDER . $id );
	// A busy database, on request of the concurrency contracts: whatever a request does between reading an order
	// and writing it back takes this much longer, so two requests that do not exclude each other overlap for sure.
	$slow = isset( $_SERVER['HTTP_X_FORGE_SLOW_READS'] ) ? min( 1000, absint( $_SERVER['HTTP_X_FORGE_SLOW_READS'] ) ) : 0; // phpcs:ignore
	if ( $slow ) {
		usleep( $slow * 1000 );
	}
	return is_array( $stored ) ? new WC_Order( $id, $stored ) : false;
}

/**
 * The order query for the arguments gateways use: status, payment_method, date_created ('>' timestamp), limit,
 * return ('ids' or objects).
 *
 * @param array<string, mixed> $args
 * @return array<int, WC_Order|int>
 */
function wc_get_orders( $args = array() ) {
	$found = array();
	foreach ( (array) Forge_WC_Store::read( Forge_WC_Store::INDEX, array() ) as $id ) {
		$order = wc_get_order( (int) $id );
		if ( ! $order ) {
			continue;
		}
		if ( isset( $args['status'] ) ) {
			$statuses = array_map(
				static function ( $status ) {
					return 0 === strpos( (string) $status, 'wc-' ) ? substr( (string) $status, 3 ) : (string) $status;
				},
				(array) $args['status']
			);
			if ( ! $order->has_status( $statuses ) ) {
				continue;
			}
		}
		if ( isset( $args['payment_method'] ) && $order->get_payment_method() !== $args['payment_method'] ) {
			continue;
		}
		if ( isset( $args['date_created'] ) && is_string( $args['date_created'] ) && 0 === strpos( $args['date_created'], '>' ) ) {
			$stored = (array) Forge_WC_Store::read( Forge_WC_Store::ORDER . $id, array() );
			if ( (int) ( $stored['date_created'] ?? 0 ) <= (int) substr( $args['date_created'], 1 ) ) {
				continue;
			}
		}
		$found[] = isset( $args['return'] ) && 'ids' === $args['return'] ? $order->get_id() : $order;
	}
	$limit = isset( $args['limit'] ) ? (int) $args['limit'] : 10;
	return $limit > 0 ? array_slice( $found, 0, $limit ) : $found;
}

/** @param array<string, mixed> $data */
function wc_create_order_for_forge( array $data ) {
	Forge_WC_Store::lock();
	try {
		$id    = Forge_WC_Store::next_id();
		$order = new WC_Order(
			$id,
			$data + array(
				'order_key'    => 'wc_order_' . substr( hash( 'sha256', $id . ':' . wp_rand() ), 0, 13 ),
				'date_created' => time(),
			)
		);
		Forge_WC_Store::write( Forge_WC_Store::ORDER . $id, $order->to_stored() );
		$index   = (array) Forge_WC_Store::read( Forge_WC_Store::INDEX, array() );
		$index[] = $id;
		Forge_WC_Store::write( Forge_WC_Store::INDEX, $index );
		return wc_get_order( $id );
	} finally {
		Forge_WC_Store::unlock();
	}
}

function wc_get_is_paid_statuses() {
	return array( 'processing', 'completed' );
}

function get_woocommerce_currency() {
	return (string) get_option( 'woocommerce_currency', 'USD' );
}

/** @var array<int, array{message: string, type: string}> $GLOBALS['forge_wc_notices'] */
function wc_add_notice( $message, $notice_type = 'success', $data = array() ) {
	$GLOBALS['forge_wc_notices'][] = array(
		'message' => (string) $message,
		'type'    => (string) $notice_type,
	);
}

function wc_get_logger() {
	return new class() {
		public function log( $level, $message, $context = array() ) {
			Forge_WC_Store::log( (string) $level, (string) $message, (array) $context );
		}

		public function __call( $name, $args ) {
			$this->log( $name, isset( $args[0] ) ? $args[0] : '', isset( $args[1] ) ? $args[1] : array() );
		}
	};
}

// WooCommerce gives administrators (and shop managers) manage_woocommerce when it is installed.
register_activation_hook(
	__FILE__,
	static function () {
		$role = get_role( 'administrator' );
		if ( $role ) {
			$role->add_cap( 'manage_woocommerce' );
		}
	}
);

add_action(
	'plugins_loaded',
	static function () {
		do_action( 'before_woocommerce_init' );
		do_action( 'woocommerce_loaded' );
		do_action( 'woocommerce_init' );
	},
	-1000
);

/**
 * What a shop's front end does, reduced to what a gateway sees: the checkout's AJAX request (`?wc-ajax=checkout`,
 * the order standing in for the customer's session, as WooCommerce reuses the session's order awaiting payment),
 * and the order-received page. Plus the sandbox's own routes (`?forge-standin=...`, with the token the sandbox
 * set): create an order, read one, refund one as the admin's refund button does, run the due scheduled actions
 * as the queue runner does.
 */
add_action(
	'init',
	static function () {
		// phpcs:disable WordPress.Security.NonceVerification -- the sandbox's own routes, checked by token below.
		if ( isset( $_GET['wc-ajax'] ) && 'checkout' === $_GET['wc-ajax'] ) {
			forge_wc_standin_checkout();
		}
		$path = (string) parse_url( isset( $_SERVER['REQUEST_URI'] ) ? (string) $_SERVER['REQUEST_URI'] : '', PHP_URL_PATH );
		if ( preg_match( '~^/checkout/order-received/(\d+)/?$~', $path, $m ) ) {
			forge_wc_standin_order_received( (int) $m[1], isset( $_GET['key'] ) ? (string) $_GET['key'] : '' );
		}
		if ( isset( $_GET['forge-standin'] ) ) {
			$token = (string) getenv( 'FORGE_STANDIN_TOKEN' );
			$given = isset( $_SERVER['HTTP_X_FORGE_STANDIN'] ) ? (string) $_SERVER['HTTP_X_FORGE_STANDIN'] : '';
			if ( '' === $token || ! hash_equals( $token, $given ) ) {
				wp_send_json( array( 'error' => 'forbidden' ), 403 );
			}
			forge_wc_standin_control( (string) $_GET['forge-standin'] );
		}
		// phpcs:enable
	},
	1
);

function forge_wc_standin_checkout() {
	$GLOBALS['forge_wc_notices'] = array();
	$order                       = wc_get_order( isset( $_POST['order_id'] ) ? absint( $_POST['order_id'] ) : 0 ); // phpcs:ignore
	$key                         = isset( $_POST['order_key'] ) ? (string) $_POST['order_key'] : ''; // phpcs:ignore
	if ( ! $order || ! hash_equals( $order->get_order_key(), $key ) ) {
		wp_send_json( array( 'result' => 'failure', 'messages' => array( 'Invalid order.' ) ), 400 );
	}
	$method    = isset( $_POST['payment_method'] ) ? sanitize_key( (string) $_POST['payment_method'] ) : ''; // phpcs:ignore
	$available = WC()->payment_gateways()->get_available_payment_gateways();
	if ( ! isset( $available[ $method ] ) ) {
		wp_send_json( array( 'result' => 'failure', 'messages' => array( 'Invalid payment method.' ) ), 400 );
	}
	if ( $order->get_payment_method() !== $method ) {
		$order->set_payment_method( $method );
		$order->save();
	}
	$result = $available[ $method ]->process_payment( $order->get_id() );
	wp_send_json( array( 'result' => $result, 'notices' => $GLOBALS['forge_wc_notices'] ) );
}

function forge_wc_standin_order_received( int $order_id, string $key ) {
	$order = wc_get_order( $order_id );
	if ( ! $order || ! hash_equals( $order->get_order_key(), $key ) ) {
		wp_send_json( array( 'error' => 'not found' ), 404 );
	}
	// WooCommerce's checkout/thankyou.php: before the order is shown, then after, per payment method.
	do_action( 'woocommerce_before_thankyou', $order->get_id() );
	do_action( 'woocommerce_thankyou_' . $order->get_payment_method(), $order->get_id() );
	do_action( 'woocommerce_thankyou', $order->get_id() );
	wp_send_json( wc_get_order( $order_id )->to_array() );
}

function forge_wc_standin_control( string $action ) {
	$input = json_decode( (string) file_get_contents( 'php://input' ), true );
	$input = is_array( $input ) ? $input : array();
	if ( 'create-order' === $action ) {
		$order = wc_create_order_for_forge(
			array(
				'total'           => (string) $input['total'],
				'currency'        => (string) $input['currency'],
				'payment_method'  => (string) $input['payment_method'],
				'billing_email'   => 'buyer@sandbox.invalid',
				'billing_country' => 'SN',
			)
		);
		wp_send_json( array_merge( $order->to_array(), array( 'order_key' => $order->get_order_key() ) ) );
	}
	if ( 'order' === $action ) {
		$order = wc_get_order( isset( $_GET['id'] ) ? absint( $_GET['id'] ) : 0 ); // phpcs:ignore
		wp_send_json( $order ? $order->to_array() : array( 'error' => 'not found' ), $order ? 200 : 404 );
	}
	if ( 'refund' === $action ) {
		// What the admin's "Refund via <gateway>" button does (WC_AJAX::refund_line_items).
		wp_set_current_user( 1 );
		$refund = wc_create_refund(
			array(
				'order_id'       => (int) $input['order_id'],
				'amount'         => (string) $input['amount'],
				'reason'         => (string) ( $input['reason'] ?? '' ),
				'refund_payment' => true,
			)
		);
		wp_send_json( is_wp_error( $refund ) ? array( 'error' => $refund->get_error_message() ) : array( 'refund' => $refund->get_id() ) );
	}
	if ( 'run-scheduled' === $action ) {
		wp_send_json( array( 'ran' => Forge_Action_Scheduler::run(), 'actions' => Forge_Action_Scheduler::all() ) );
	}
	if ( 'scheduled' === $action ) {
		wp_send_json( array( 'actions' => Forge_Action_Scheduler::all() ) );
	}
	if ( 'settings' === $action ) {
		// What a shop manager's save of the payment settings leaves behind (test mode off, debug log on, ...).
		$option  = 'woocommerce_' . sanitize_key( (string) $input['gateway'] ) . '_settings';
		$current = get_option( $option, array() );
		update_option( $option, array_merge( is_array( $current ) ? $current : array(), (array) $input['set'] ) );
		wp_send_json( get_option( $option ) );
	}
	if ( 'admin-notices' === $action ) {
		wp_set_current_user( 1 );
		ob_start();
		do_action( 'admin_notices' );
		wp_send_json( array( 'html' => (string) ob_get_clean() ) );
	}
	if ( 'log' === $action ) {
		wp_send_json( array( 'log' => Forge_WC_Store::read( Forge_WC_Store::LOG_OPTION, array() ) ) );
	}
	wp_send_json( array( 'error' => 'unknown action' ), 404 );
}
