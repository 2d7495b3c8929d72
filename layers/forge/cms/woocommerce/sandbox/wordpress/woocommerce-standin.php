<?php
/**
 * Plugin Name: WooCommerce STAND-IN (Plugin Forge sandbox)
 * Description: NOT WooCommerce. The few WooCommerce classes and functions a payment gateway plugin calls, so the
 *              forge can activate a gateway inside a real WordPress with no network. Installed as
 *              plugins/woocommerce/woocommerce.php so `Requires Plugins: woocommerce` is satisfied.
 *              The AWS sandbox image installs the real WooCommerce instead (functions/Dockerfile, target sandbox).
 * Version: 9.3.0-forge-standin
 * License: GPL-2.0-or-later
 * Text Domain: woocommerce
 *
 * @package Forge_Sandbox
 */

defined( 'ABSPATH' ) || exit;

define( 'WC_VERSION', '9.3.0' );
define( 'FORGE_WC_STANDIN', true );

/** Orders live in one option: enough for a gateway's order CRUD calls, and gone with the site. */
const FORGE_WC_ORDERS_OPTION = 'forge_wc_standin_orders';

// WC_Settings_API, WC_Payment_Gateway, WC_Payment_Gateways, WooCommerce and WC(): the sandbox's one stand-in of
// them, copied beside this file (wordpress_site.build_site).
require_once __DIR__ . '/woocommerce-gateway-api.php';

class WC_Cart {
	public function empty_cart( $clear_persistent_cart = true ) {
	}
}

class WC_Order {
	/** @var int */
	protected $id;
	/** @var array<string, mixed> */
	protected $data;

	public function __construct( $id = 0, array $data = array() ) {
		$this->id   = (int) $id;
		$this->data = $data + array(
			'status'         => 'pending',
			'currency'       => 'USD',
			'total'          => '0',
			'payment_method' => '',
			'transaction_id' => '',
			'billing_email'  => '',
			'notes'          => array(),
		);
	}

	public function get_id() {
		return $this->id;
	}

	public function get_order_number() {
		return (string) $this->id;
	}

	public function get_status() {
		return $this->data['status'];
	}

	public function get_total() {
		return $this->data['total'];
	}

	public function get_currency() {
		return $this->data['currency'];
	}

	public function get_payment_method() {
		return $this->data['payment_method'];
	}

	public function get_transaction_id() {
		return $this->data['transaction_id'];
	}

	public function set_transaction_id( $value ) {
		$this->data['transaction_id'] = (string) $value;
	}

	public function get_billing_first_name() {
		return '';
	}

	public function get_billing_last_name() {
		return '';
	}

	public function get_billing_email() {
		return $this->data['billing_email'];
	}

	public function get_billing_phone() {
		return '';
	}

	public function get_billing_country() {
		return '';
	}

	public function is_paid() {
		return in_array( $this->data['status'], array( 'processing', 'completed' ), true );
	}

	public function payment_complete( $transaction_id = '' ) {
		if ( '' !== $transaction_id ) {
			$this->data['transaction_id'] = (string) $transaction_id;
		}
		$this->data['status'] = 'processing';
		$this->save();
		do_action( 'woocommerce_payment_complete', $this->id, $transaction_id );
		return true;
	}

	public function update_status( $new_status, $note = '', $manual = false ) {
		$this->data['status'] = (string) $new_status;
		if ( '' !== $note ) {
			$this->data['notes'][] = (string) $note;
		}
		$this->save();
		return true;
	}

	public function add_order_note( $note, $is_customer_note = 0, $added_by_user = false ) {
		$this->data['notes'][] = (string) $note;
		$this->save();
		return count( $this->data['notes'] );
	}

	/** @return string[] */
	public function get_notes() {
		return $this->data['notes'];
	}

	public function get_checkout_order_received_url() {
		return home_url( '/checkout/order-received/' . $this->id . '/' );
	}

	public function get_cancel_order_url_raw( $redirect = '' ) {
		return home_url( '/cart/?cancel_order=' . $this->id );
	}

	public function save() {
		$orders              = get_option( FORGE_WC_ORDERS_OPTION, array() );
		$orders              = is_array( $orders ) ? $orders : array();
		$orders[ $this->id ] = $this->data;
		update_option( FORGE_WC_ORDERS_OPTION, $orders, false );
		return $this->id;
	}
}

/**
 * @param int|WC_Order|false $the_order Order id.
 * @return WC_Order|false
 */
function wc_get_order( $the_order = false ) {
	if ( $the_order instanceof WC_Order ) {
		return $the_order;
	}
	$orders = get_option( FORGE_WC_ORDERS_OPTION, array() );
	$id     = (int) $the_order;
	return is_array( $orders ) && isset( $orders[ $id ] ) ? new WC_Order( $id, $orders[ $id ] ) : false;
}

function wc_create_order_for_forge( array $data ) {
	$orders = get_option( FORGE_WC_ORDERS_OPTION, array() );
	$id     = is_array( $orders ) && $orders ? max( array_keys( $orders ) ) + 1 : 1001;
	$order  = new WC_Order( $id, $data );
	$order->save();
	return $order;
}

function get_woocommerce_currency() {
	return (string) get_option( 'woocommerce_currency', 'USD' );
}

function wc_add_notice( $message, $notice_type = 'success', $data = array() ) {
}

function wc_get_logger() {
	return new class() {
		public function __call( $name, $args ) {
		}
	};
}

add_action(
	'plugins_loaded',
	static function () {
		do_action( 'before_woocommerce_init' );
		do_action( 'woocommerce_loaded' );
		do_action( 'woocommerce_init' );
	},
	-1000
);
