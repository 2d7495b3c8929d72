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

	/** Saves the posted form the way WooCommerce does, minus per-type validation. */
	public function process_admin_options() {
		$this->init_settings();
		$post_data = $_POST; // phpcs:ignore WordPress.Security.NonceVerification -- WooCommerce checks the nonce before calling.
		foreach ( $this->get_form_fields() as $key => $field ) {
			$type = isset( $field['type'] ) ? $field['type'] : 'text';
			if ( 'title' === $type ) {
				continue;
			}
			$posted = isset( $post_data[ $this->get_field_key( $key ) ] ) ? wp_unslash( $post_data[ $this->get_field_key( $key ) ] ) : null;
			if ( 'checkbox' === $type ) {
				$this->settings[ $key ] = null === $posted ? 'no' : 'yes';
			} else {
				$this->settings[ $key ] = null === $posted ? '' : wc_clean( $posted );
			}
		}
		return update_option( $this->get_option_key(), $this->settings, 'yes' );
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
