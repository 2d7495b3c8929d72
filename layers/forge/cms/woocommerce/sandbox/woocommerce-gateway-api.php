<?php
/**
 * STAND-INS for WooCommerce's payment gateway API: WC_Settings_API, WC_Payment_Gateway, WC_Payment_Gateways,
 * WooCommerce and WC(). NOT WooCommerce.
 *
 * One source for both sandboxes: standins.php (no WordPress: the harness, the contract suites and the plugin's
 * PHPUnit tests as tests/stubs.php) and wordpress/woocommerce-standin.php (inside a real WordPress) include it.
 * It only calls functions both hosts define (apply_filters, get_option, update_option, home_url, ...).
 *
 * @package Forge_Sandbox
 */

abstract class WC_Settings_API {
	/** @var string */
	public $plugin_id = 'woocommerce_';
	/** @var string */
	public $id = '';
	/** @var array<int, string> */
	public $errors = array();
	/** @var array<string, mixed> */
	public $settings = array();
	/** @var array<string, array<string, mixed>> */
	public $form_fields = array();
	/** @var array<string, mixed> */
	protected $data = array();

	public function get_option_key() {
		return $this->plugin_id . $this->id . '_settings';
	}

	public function init_form_fields() {
	}

	public function get_form_fields() {
		return apply_filters( 'woocommerce_settings_api_form_fields_' . $this->id, array_map( array( $this, 'set_defaults' ), $this->form_fields ) );
	}

	/**
	 * @param array<string, mixed> $field
	 * @return array<string, mixed>
	 */
	protected function set_defaults( $field ) {
		if ( ! isset( $field['default'] ) ) {
			$field['default'] = '';
		}
		return $field;
	}

	public function init_settings() {
		$saved          = get_option( $this->get_option_key(), null );
		$this->settings = is_array( $saved ) ? $saved : array();
		foreach ( $this->get_form_fields() as $key => $field ) {
			if ( ! array_key_exists( $key, $this->settings ) ) {
				$this->settings[ $key ] = isset( $field['default'] ) ? $field['default'] : '';
			}
		}
		if ( property_exists( $this, 'enabled' ) ) {
			$this->enabled = ! empty( $this->settings['enabled'] ) && 'yes' === $this->settings['enabled'] ? 'yes' : 'no';
		}
	}

	public function get_option( $key, $empty_value = null ) {
		if ( empty( $this->settings ) ) {
			$this->init_settings();
		}
		if ( ! isset( $this->settings[ $key ] ) ) {
			$fields                 = $this->get_form_fields();
			$this->settings[ $key ] = isset( $fields[ $key ]['default'] ) ? $fields[ $key ]['default'] : '';
		}
		if ( ! is_null( $empty_value ) && '' === $this->settings[ $key ] ) {
			$this->settings[ $key ] = $empty_value;
		}
		return $this->settings[ $key ];
	}

	public function update_option( $key, $value = '' ) {
		if ( empty( $this->settings ) ) {
			$this->init_settings();
		}
		$this->settings[ $key ] = $value;
		return update_option( $this->get_option_key(), $this->settings, 'yes' );
	}

	public function get_field_key( $key ) {
		return $this->plugin_id . $this->id . '_' . $key;
	}

	/** @var array<string, mixed> */
	protected $posted = array();

	/**
	 * @param array<string, mixed> $data Posted form data; $_POST when empty, as in WooCommerce.
	 */
	public function set_post_data( $data = array() ) {
		$this->posted = $data;
	}

	public function get_post_data() {
		if ( ! empty( $this->posted ) && is_array( $this->posted ) ) {
			return $this->posted;
		}
		return $_POST; // phpcs:ignore WordPress.Security.NonceVerification -- WooCommerce checks the nonce before calling.
	}

	/**
	 * @param array<string, mixed> $field
	 */
	public function get_field_type( $field ) {
		return empty( $field['type'] ) ? 'text' : $field['type'];
	}

	/**
	 * WooCommerce's order: the field's sanitize_callback, else validate_<key>_field(), else validate_<type>_field().
	 * A validator that throws keeps the saved value and reports the message (process_admin_options()).
	 *
	 * @param array<string, mixed> $field
	 * @param array<string, mixed> $post_data
	 */
	public function get_field_value( $key, $field, $post_data = array() ) {
		$type      = $this->get_field_type( $field );
		$field_key = $this->get_field_key( $key );
		$post_data = empty( $post_data ) ? $this->get_post_data() : $post_data;
		$value     = isset( $post_data[ $field_key ] ) ? $post_data[ $field_key ] : null;
		if ( isset( $field['sanitize_callback'] ) && is_callable( $field['sanitize_callback'] ) ) {
			return call_user_func( $field['sanitize_callback'], $value );
		}
		foreach ( array( 'validate_' . $key . '_field', 'validate_' . $type . '_field' ) as $method ) {
			if ( is_callable( array( $this, $method ) ) ) {
				return $this->{$method}( $key, $value );
			}
		}
		return $this->validate_text_field( $key, $value );
	}

	public function validate_text_field( $key, $value ) {
		$value = is_null( $value ) ? '' : $value;
		return wp_kses_post( trim( stripslashes( (string) $value ) ) );
	}

	public function validate_password_field( $key, $value ) {
		return $this->validate_text_field( $key, $value );
	}

	public function validate_textarea_field( $key, $value ) {
		return $this->validate_text_field( $key, $value );
	}

	public function validate_checkbox_field( $key, $value ) {
		return ! is_null( $value ) ? 'yes' : 'no';
	}

	public function validate_select_field( $key, $value ) {
		$value = is_null( $value ) ? '' : $value;
		return wc_clean( stripslashes( (string) $value ) );
	}

	public function add_error( $error ) {
		$this->errors[] = $error;
	}

	public function get_errors() {
		return $this->errors;
	}

	public function display_errors() {
		foreach ( $this->get_errors() as $error ) {
			echo '<div id="woocommerce_errors" class="error notice is-dismissible"><p>' . wp_kses_post( $error ) . '</p></div>'; // phpcs:ignore
		}
	}

	/** Saves the posted form the way WooCommerce does: each field through get_field_value(), errors collected. */
	public function process_admin_options() {
		$this->init_settings();
		$post_data = $this->get_post_data();
		foreach ( $this->get_form_fields() as $key => $field ) {
			if ( 'title' === $this->get_field_type( $field ) ) {
				continue;
			}
			try {
				$this->settings[ $key ] = $this->get_field_value( $key, $field, $post_data );
			} catch ( Exception $e ) {
				$this->add_error( $e->getMessage() );
			}
		}
		return update_option( $this->get_option_key(), apply_filters( 'woocommerce_settings_api_sanitized_fields_' . $this->id, $this->settings ), 'yes' );
	}

	public function admin_options() {
		echo '<table class="form-table">'; // phpcs:ignore
		foreach ( $this->get_form_fields() as $key => $field ) {
			echo '<tr><th>' . esc_html( isset( $field['title'] ) ? (string) $field['title'] : $key ) . '</th></tr>'; // phpcs:ignore
		}
		echo '</table>'; // phpcs:ignore
	}
}

abstract class WC_Payment_Gateway extends WC_Settings_API {
	/** @var string */
	public $order_button_text;
	/** @var string */
	public $enabled = 'yes';
	/** @var string */
	public $title;
	/** @var string */
	public $description;
	/** @var bool */
	public $chosen;
	/** @var bool */
	public $has_fields;
	/** @var array<int, string> */
	public $countries;
	/** @var string */
	public $availability;
	/** @var string */
	public $icon;
	/** @var string[] */
	public $supports = array( 'products' );
	/** @var int|float */
	public $max_amount = 0;
	/** @var string */
	public $view_transaction_url = '';
	/** @var string */
	public $new_method_label = '';
	/** @var string */
	public $pay_button_id = '';
	/** @var string */
	public $method_title = '';
	/** @var string */
	public $method_description = '';
	/** @var array<int, mixed> */
	public $tokens = array();

	public function get_title() {
		return apply_filters( 'woocommerce_gateway_title', (string) $this->title, $this->id );
	}

	public function get_description() {
		return apply_filters( 'woocommerce_gateway_description', (string) $this->description, $this->id );
	}

	public function get_method_title() {
		return apply_filters( 'woocommerce_gateway_method_title', $this->method_title, $this );
	}

	public function get_method_description() {
		return apply_filters( 'woocommerce_gateway_method_description', $this->method_description, $this );
	}

	public function get_icon() {
		return apply_filters( 'woocommerce_gateway_icon', '', $this->id );
	}

	public function has_fields() {
		return (bool) $this->has_fields;
	}

	public function is_available() {
		return 'yes' === $this->enabled;
	}

	public function supports( $feature ) {
		return apply_filters( 'woocommerce_payment_gateway_supports', in_array( $feature, $this->supports, true ), $feature, $this );
	}

	public function can_refund_order( $order ) {
		return $order && $this->supports( 'refunds' );
	}

	public function get_return_url( $order = null ) {
		$url = $order instanceof WC_Order ? $order->get_checkout_order_received_url() : home_url( '/checkout/order-received/' );
		return apply_filters( 'woocommerce_get_return_url', $url, $order );
	}

	public function payment_fields() {
		$description = $this->get_description();
		if ( '' !== $description ) {
			echo wpautop( wp_kses_post( $description ) ); // phpcs:ignore
		}
	}

	public function validate_fields() {
		return true;
	}

	public function process_payment( $order_id ) {
		return array();
	}

	public function process_refund( $order_id, $amount = null, $reason = '' ) {
		return false;
	}

	public function get_transaction_url( $order ) {
		$url            = '';
		$transaction_id = $order->get_transaction_id();
		if ( ! empty( $this->view_transaction_url ) && ! empty( $transaction_id ) ) {
			$url = sprintf( $this->view_transaction_url, $transaction_id );
		}
		return apply_filters( 'woocommerce_get_transaction_url', $url, $order, $this );
	}
}

class WC_Payment_Gateways {
	/**
	 * Builds the gateways from the woocommerce_payment_gateways filter, like WooCommerce does.
	 *
	 * @return array<string, WC_Payment_Gateway>
	 */
	public function payment_gateways() {
		$gateways = array();
		foreach ( (array) apply_filters( 'woocommerce_payment_gateways', array() ) as $gateway ) {
			$instance = is_string( $gateway ) && class_exists( $gateway ) ? new $gateway() : $gateway;
			if ( $instance instanceof WC_Payment_Gateway ) {
				$gateways[ $instance->id ] = $instance;
			}
		}
		return $gateways;
	}

	/**
	 * The gateways offered at checkout: enabled and is_available(), as WooCommerce filters them.
	 *
	 * @return array<string, WC_Payment_Gateway>
	 */
	public function get_available_payment_gateways() {
		$available = array();
		foreach ( $this->payment_gateways() as $id => $gateway ) {
			if ( $gateway->is_available() ) {
				$available[ $id ] = $gateway;
			}
		}
		return apply_filters( 'woocommerce_available_payment_gateways', $available );
	}
}

class WooCommerce {
	/** @var string */
	public $version = '9.3.0';
	/** @var WC_Cart */
	public $cart;
	/** @var WC_Payment_Gateways */
	private $gateways;
	/** @var WooCommerce|null */
	private static $instance = null;

	public static function instance() {
		if ( null === self::$instance ) {
			self::$instance           = new self();
			self::$instance->cart     = new WC_Cart();
			self::$instance->gateways = new WC_Payment_Gateways();
		}
		return self::$instance;
	}

	public function payment_gateways() {
		return $this->gateways;
	}
}

function WC() { // phpcs:ignore
	return WooCommerce::instance();
}

/**
 * Refund an order through its gateway, as WooCommerce's wc_refund_payment() does.
 *
 * @param WC_Order         $order
 * @param string|float|int $amount
 * @return true|WP_Error
 */
function wc_refund_payment( $order, $amount, $reason = '' ) {
	$gateways = WC()->payment_gateways()->payment_gateways();
	$method   = $order->get_payment_method();
	$gateway  = isset( $gateways[ $method ] ) ? $gateways[ $method ] : null;
	if ( null === $gateway ) {
		return new WP_Error( 'wc-order', 'The payment gateway for this order does not exist.' );
	}
	if ( ! $gateway->can_refund_order( $order ) ) {
		return new WP_Error( 'wc-order', 'The payment gateway for this order does not support automatic refunds.' );
	}
	$result = $gateway->process_refund( $order->get_id(), $amount, $reason );
	if ( ! $result ) {
		return new WP_Error( 'wc-order', 'An error occurred while attempting to create the refund using the payment gateway API.' );
	}
	return is_wp_error( $result ) ? $result : true;
}

/**
 * Create a refund the way WooCommerce's wc_create_refund() does: the refund exists (and is saved) while the
 * gateway's process_refund() runs, is deleted when it fails, and a full refund marks the order refunded.
 *
 * @param array<string, mixed> $args amount, reason, order_id, refund_payment.
 * @return WC_Order_Refund|WP_Error
 */
function wc_create_refund( $args = array() ) {
	$args  = array_merge(
		array(
			'amount'         => 0,
			'reason'         => null,
			'order_id'       => 0,
			'refund_payment' => false,
		),
		$args
	);
	$order = wc_get_order( $args['order_id'] );
	if ( ! $order ) {
		return new WP_Error( 'invalid_order', 'Invalid order ID.' );
	}
	$remaining = (float) $order->get_remaining_refund_amount();
	$amount    = round( (float) $args['amount'], 6 );
	if ( $amount <= 0 || $amount > $remaining + 0.000001 ) {
		return new WP_Error( 'invalid_refund_amount', 'Invalid refund amount.' );
	}
	$status_before = $order->get_status();
	$refund        = forge_standin_new_refund( $order, number_format( $amount, 2, '.', '' ), (string) $args['reason'] );
	do_action( 'woocommerce_create_refund', $refund, $args );
	if ( $args['refund_payment'] ) {
		$result = wc_refund_payment( $order, $refund->get_amount(), $refund->get_reason() );
		if ( is_wp_error( $result ) ) {
			$refund->delete( true );
			return $result;
		}
	}
	$order = wc_get_order( $order->get_id() );
	if ( $remaining - $amount <= 0.000001 ) {
		do_action( 'woocommerce_order_fully_refunded', $order->get_id(), $refund->get_id() );
		if ( $order->get_status() === $status_before ) {
			$order->update_status( 'refunded' );
		}
	} else {
		do_action( 'woocommerce_order_partially_refunded', $order->get_id(), $refund->get_id() );
	}
	do_action( 'woocommerce_refund_created', $refund->get_id(), $args );
	return $refund;
}

/**
 * STAND-IN for Action Scheduler, which WooCommerce ships: actions kept in one option. Nothing runs on its own;
 * Forge_Action_Scheduler::run() runs what is due (or everything, as if the intervals had passed), like the queue
 * runner does on a real site.
 */
final class Forge_Action_Scheduler {
	const OPTION = 'forge_standin_scheduled_actions';

	/** @return array<int, array{id: int, hook: string, args: array<mixed>, group: string, timestamp: int, interval: int}> */
	public static function all() {
		$actions = get_option( self::OPTION, array() );
		return is_array( $actions ) ? array_values( $actions ) : array();
	}

	/** @param array<int, array<string, mixed>> $actions */
	public static function store( array $actions ) {
		update_option( self::OPTION, array_values( $actions ), false );
	}

	/** @param array<mixed> $args */
	public static function add( $timestamp, $interval, $hook, $args, $group ) {
		$actions   = self::all();
		$id        = count( $actions ) ? max( array_column( $actions, 'id' ) ) + 1 : 1;
		$actions[] = array(
			'id'        => $id,
			'hook'      => (string) $hook,
			'args'      => array_values( (array) $args ),
			'group'     => (string) $group,
			'timestamp' => (int) $timestamp,
			'interval'  => (int) $interval,
		);
		self::store( $actions );
		return $id;
	}

	/**
	 * @param array<mixed>|null $args
	 * @return array<int, array<string, mixed>>
	 */
	public static function matching( $hook, $args = null, $group = '' ) {
		return array_values(
			array_filter(
				self::all(),
				static function ( $action ) use ( $hook, $args, $group ) {
					return $action['hook'] === $hook && ( null === $args || array_values( (array) $args ) === $action['args'] )
						&& ( '' === (string) $group || $action['group'] === $group );
				}
			)
		);
	}

	/** Run the actions due at `$now` (all of them when null); recurring ones are rescheduled. Returns how many ran. */
	public static function run( $now = null ) {
		$ran = 0;
		foreach ( self::all() as $action ) {
			if ( null !== $now && $action['timestamp'] > $now ) {
				continue;
			}
			$rest = array_filter(
				self::all(),
				static function ( $other ) use ( $action ) {
					return $other['id'] !== $action['id'];
				}
			);
			if ( $action['interval'] > 0 ) {
				$action['timestamp'] = ( null === $now ? time() : $now ) + $action['interval'];
				$rest[]              = $action;
			}
			self::store( $rest );
			do_action_ref_array( $action['hook'], $action['args'] );
			++$ran;
		}
		return $ran;
	}
}

function as_schedule_recurring_action( $timestamp, $interval_in_seconds, $hook, $args = array(), $group = '', $unique = false, $priority = 10 ) {
	if ( $unique && Forge_Action_Scheduler::matching( $hook, null, $group ) ) {
		return 0;
	}
	return Forge_Action_Scheduler::add( $timestamp, max( 1, (int) $interval_in_seconds ), $hook, $args, $group );
}

function as_schedule_single_action( $timestamp, $hook, $args = array(), $group = '', $unique = false, $priority = 10 ) {
	if ( $unique && Forge_Action_Scheduler::matching( $hook, null, $group ) ) {
		return 0;
	}
	return Forge_Action_Scheduler::add( $timestamp, 0, $hook, $args, $group );
}

function as_enqueue_async_action( $hook, $args = array(), $group = '', $unique = false, $priority = 10 ) {
	return as_schedule_single_action( time(), $hook, $args, $group, $unique, $priority );
}

function as_has_scheduled_action( $hook, $args = null, $group = '' ) {
	return (bool) Forge_Action_Scheduler::matching( $hook, $args, $group );
}

function as_next_scheduled_action( $hook, $args = null, $group = '' ) {
	$found = Forge_Action_Scheduler::matching( $hook, $args, $group );
	return $found ? min( array_column( $found, 'timestamp' ) ) : false;
}

function as_unschedule_all_actions( $hook, $args = array(), $group = '' ) {
	$keep = array_filter(
		Forge_Action_Scheduler::all(),
		static function ( $action ) use ( $hook, $args, $group ) {
			return ! ( $action['hook'] === $hook && ( ! $args || array_values( (array) $args ) === $action['args'] )
				&& ( '' === (string) $group || $action['group'] === $group ) );
		}
	);
	Forge_Action_Scheduler::store( $keep );
}

function as_unschedule_action( $hook, $args = array(), $group = '' ) {
	as_unschedule_all_actions( $hook, $args, $group );
	return null;
}
