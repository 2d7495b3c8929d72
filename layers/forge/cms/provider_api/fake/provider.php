<?php
/**
 * Plugin Forge: a FAKE of the Molam payments API, for the sandboxes. NOT Molam.
 *
 * It behaves as the provider API document (openapi.yaml, compiled by forge.cms.provider_api into
 * provider-api.json) describes, and validates every request against it: an unknown operation, a missing or
 * malformed header, or a body field the document lacks is answered 400 and recorded as a violation, which the
 * contract suites fail on. It keeps its state in one JSON file under an exclusive lock, so it can run in-process
 * (the stand-in harness) or behind `php -S` with several workers (router.php), where two concurrent requests
 * really are concurrent and still see one consistent state.
 *
 * Besides the API it answers a control API under /_forge/ for the contract suites: set what the next payment or
 * refund does, move an object to another status (the customer paid, a refund failed, a refund made in the
 * dashboard), produce a signed webhook event, read the request log.
 *
 * Written for PHP 7.4 to 8.3; no WordPress.
 *
 * @package Forge_Provider
 */

require_once __DIR__ . '/schema.php';

final class Forge_Fake_Provider {

	const CONTROL = '/_forge/';

	/** @var array<string, mixed> The compiled provider API document. */
	private $contract;

	/** @var string */
	private $state_file;

	/** @var array{keys: array<string, string>, webhook_secrets: array<string, string>} */
	private $config;

	/** @var resource|null */
	private $lock;

	/**
	 * @param array<string, mixed> $contract provider-api.json, decoded.
	 * @param array<string, mixed> $config   {"keys": {"test": ..., "live": ...}, "webhook_secrets": {...}}.
	 */
	public function __construct( array $contract, string $state_file, array $config ) {
		$this->contract   = $contract;
		$this->state_file = $state_file;
		$this->config     = $config + array(
			'keys'            => array(),
			'webhook_secrets' => array(),
		);
	}

	public static function from_files( string $contract_file, string $state_file, string $config_file ): self {
		$contract = json_decode( (string) file_get_contents( $contract_file ), true );
		$config   = json_decode( (string) file_get_contents( $config_file ), true );
		return new self( is_array( $contract ) ? $contract : array(), $state_file, is_array( $config ) ? $config : array() );
	}

	/**
	 * One HTTP request, as the plugin sent it. `$url` is the URL the plugin asked for (its host tells the
	 * server, so the mode); `$headers` are name => value, any case.
	 *
	 * @param array<string, string> $headers
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	public function handle( string $method, string $url, array $headers, string $body ): array {
		$method  = strtoupper( $method );
		$headers = array_change_key_case( $headers, CASE_LOWER );
		$parts   = parse_url( $url );
		$path    = isset( $parts['path'] ) ? (string) $parts['path'] : '/';
		if ( 0 === strpos( $path, self::CONTROL ) ) {
			return $this->control( $method, substr( $path, strlen( self::CONTROL ) ), $body );
		}
		$delay  = 0;
		$answer = $this->locked(
			function ( array &$state ) use ( $method, $parts, $path, $headers, $body, &$delay ) {
				return $this->api( $state, $method, $parts, $path, $headers, $body, $delay );
			}
		);
		if ( $delay > 0 ) {
			// Outside the lock: the answer is stored, other requests (the webhook the test races) go on meanwhile.
			usleep( $delay * 1000 );
		}
		return $answer;
	}

	// ---- the API ---------------------------------------------------------------------------------------------

	/**
	 * @param array<string, mixed>  $state
	 * @param array<string, mixed>  $parts
	 * @param array<string, string> $headers
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function api( array &$state, string $method, array $parts, string $path, array $headers, string $body, int &$delay ): array {
		$entry = array(
			'method'     => $method,
			'host'       => isset( $parts['host'] ) ? strtolower( (string) $parts['host'] ) : '',
			'path'       => $path,
			'operation'  => '',
			'mode'       => '',
			'key'        => isset( $headers['idempotency-key'] ) ? (string) $headers['idempotency-key'] : '',
			'timeout'    => isset( $headers['x-forge-timeout'] ) ? (float) $headers['x-forge-timeout'] : null,
			'body'       => null,
			'violations' => array(),
			'status'     => 0,
			'replayed'   => false,
		);
		$answer = $this->dispatch( $state, $entry, $method, $path, $headers, $body, $delay );
		$entry['status']     = $answer['status'];
		$state['requests'][] = $entry;
		if ( $entry['violations'] ) {
			$state['violations'][] = $entry;
		}
		return $answer;
	}

	/**
	 * What is wrong with a request by the document (no state involved): unknown server or operation, a missing
	 * or malformed header, a body that does not match the operation's schema. Empty when it conforms.
	 *
	 * @param array<string, string> $headers
	 * @return string[]
	 */
	public function violations( string $method, string $url, array $headers, string $body ): array {
		$parts = parse_url( $url );
		$check = $this->check(
			strtoupper( $method ),
			isset( $parts['host'] ) ? strtolower( (string) $parts['host'] ) : '',
			isset( $parts['path'] ) ? (string) $parts['path'] : '/',
			array_change_key_case( $headers, CASE_LOWER ),
			$body
		);
		return $check['violations'];
	}

	/**
	 * @param array<string, string> $headers lower-case names.
	 * @return array{server: array<string, mixed>|null, operation: array<string, mixed>|null, params: array<string, string>, body: mixed, violations: string[]}
	 */
	private function check( string $method, string $host, string $path, array $headers, string $body ): array {
		$found = array(
			'server'     => $this->server_for( $host, $path ),
			'operation'  => null,
			'params'     => array(),
			'body'       => null,
			'violations' => array(),
		);
		if ( null === $found['server'] ) {
			$found['violations'][] = "no server of the document serves {$host}{$path}";
			return $found;
		}
		$relative = substr( $path, strlen( rtrim( (string) $found['server']['base_path'], '/' ) ) );
		foreach ( $this->contract['operations'] as $candidate ) {
			if ( $candidate['method'] === $method && preg_match( '~' . $candidate['pattern'] . '~', $relative, $params ) ) {
				$found['operation'] = $candidate;
				$found['params']    = $params;
				break;
			}
		}
		$operation = $found['operation'];
		if ( null === $operation ) {
			$found['violations'][] = "$method $relative is not an operation of the provider API document";
			return $found;
		}
		foreach ( $operation['headers'] as $name => $header ) {
			$value = isset( $headers[ strtolower( $name ) ] ) ? (string) $headers[ strtolower( $name ) ] : null;
			if ( null === $value ) {
				if ( $header['required'] ) {
					$found['violations'][] = "header $name is required";
				}
				continue;
			}
			foreach ( Forge_Api_Schema::validate( $value, $header['schema'], "header $name" ) as $problem ) {
				$found['violations'][] = $problem;
			}
		}
		if ( null !== $operation['body'] ) {
			$found['body'] = json_decode( $body, true );
			if ( ! is_array( $found['body'] ) ) {
				$found['violations'][] = 'the body is not a JSON object';
			} else {
				$found['violations'] = array_merge( $found['violations'], Forge_Api_Schema::validate( $found['body'], $operation['body'], 'body' ) );
			}
		} elseif ( '' !== trim( $body ) ) {
			$found['violations'][] = "$method {$operation['path']} takes no body";
		}
		return $found;
	}

	/**
	 * @param array<string, mixed>  $state
	 * @param array<string, mixed>  $entry
	 * @param array<string, string> $headers
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function dispatch( array &$state, array &$entry, string $method, string $path, array $headers, string $body, int &$delay ): array {
		$check               = $this->check( $method, $entry['host'], $path, $headers, $body );
		$entry['violations'] = $check['violations'];
		$entry['body']       = $check['body'];
		if ( null !== $check['operation'] ) {
			$entry['operation'] = $check['operation']['id'];
		}
		if ( null === $check['server'] || null === $check['operation'] ) {
			return self::error( 404, 'not_found', implode( '; ', $entry['violations'] ) );
		}
		if ( $entry['violations'] ) {
			return self::error( 400, 'invalid_request', implode( '; ', $entry['violations'] ) );
		}
		$server    = $check['server'];
		$operation = $check['operation'];
		$params    = $check['params'];
		$decoded   = $check['body'];

		$mode          = $this->mode_of( $server, $headers );
		$entry['mode'] = (string) $mode;
		if ( null === $mode ) {
			return self::error( 401, 'authentication', 'Unknown API key, or a key of the other mode.' );
		}

		if ( 'POST' === $method ) {
			$key    = $mode . '|' . $operation['id'] . '|' . $entry['key'];
			$digest = hash( 'sha256', (string) json_encode( $decoded ) );
			if ( isset( $state['idempotency'][ $key ] ) ) {
				$stored = $state['idempotency'][ $key ];
				if ( $stored['digest'] !== $digest ) {
					return self::error( 409, 'idempotency_conflict', 'This Idempotency-Key was used with another body.' );
				}
				$entry['replayed'] = true;
				return array(
					'status'  => 200,
					'headers' => array(
						'content-type'        => 'application/json',
						'idempotent-replayed' => 'true',
					),
					'body'    => $stored['body'],
				);
			}
			$answer = 'createPayment' === $operation['id']
				? $this->create_payment( $state, $decoded, $mode, $delay )
				: $this->create_refund( $state, $decoded, $mode );
			if ( $answer['status'] < 500 ) {
				$state['idempotency'][ $key ] = array(
					'digest' => $digest,
					'body'   => $answer['body'],
				);
			}
			return $answer;
		}

		$kind   = 'retrievePayment' === $operation['id'] ? 'payments' : 'refunds';
		$id     = isset( $params['payment_id'] ) ? $params['payment_id'] : ( isset( $params['refund_id'] ) ? $params['refund_id'] : '' );
		$object = isset( $state[ $kind ][ $id ] ) ? $state[ $kind ][ $id ] : null;
		if ( null === $object || $object['livemode'] !== ( 'live' === $mode ) ) {
			return self::error( 404, 'not_found', 'No such object in this mode.' );
		}
		return self::json( 200, $object );
	}

	/**
	 * @param array<string, mixed> $state
	 * @param array<string, mixed> $request
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function create_payment( array &$state, array $request, string $mode, int &$delay ): array {
		$scenario = $state['scenario'];
		$status   = (string) $scenario['next_payment_status'];
		$id       = 'pay_' . self::next_id( $state );
		$payment  = array(
			'id'              => $id,
			'object'          => 'payment',
			'status'          => $status,
			'amount'          => $request['amount'],
			'amount_refunded' => 0,
			'currency'        => $request['currency'],
			'order_id'        => $request['order_id'],
			'livemode'        => 'live' === $mode,
			'redirect_url'    => 'requires_action' === $status ? 'https://pay.molam.invalid/checkout/' . $id : null,
			'failure_message' => 'failed' === $status ? 'Insufficient funds' : null,
			'created'         => time(),
		);
		if ( ! empty( $request['metadata'] ) ) {
			$payment['metadata'] = $request['metadata'];
		}
		$state['payments'][ $id ] = $payment;
		$delay                    = (int) $scenario['payment_delay_ms'];
		return self::json( 201, $payment );
	}

	/**
	 * @param array<string, mixed> $state
	 * @param array<string, mixed> $request
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function create_refund( array &$state, array $request, string $mode ): array {
		$payment_id = (string) $request['payment_id'];
		$payment    = isset( $state['payments'][ $payment_id ] ) ? $state['payments'][ $payment_id ] : null;
		if ( null === $payment || $payment['livemode'] !== ( 'live' === $mode ) ) {
			return self::error( 404, 'not_found', 'No such payment in this mode.' );
		}
		if ( 'succeeded' !== $payment['status'] ) {
			return self::error( 422, 'unprocessable', 'Only a succeeded payment can be refunded.' );
		}
		if ( $request['currency'] !== $payment['currency'] || $request['amount'] > $payment['amount'] - $payment['amount_refunded'] ) {
			return self::error( 422, 'unprocessable', 'The refund exceeds what is left of the payment.' );
		}
		$refund = $this->new_refund( $state, $payment, (int) $request['amount'], (string) $state['scenario']['next_refund_status'] );
		$refund['reason'] = isset( $request['reason'] ) ? $request['reason'] : null;
		$refund['order_id'] = isset( $request['order_id'] ) ? $request['order_id'] : $payment['order_id'];
		$state['refunds'][ $refund['id'] ] = $refund;
		return self::json( 201, $refund );
	}

	/**
	 * @param array<string, mixed> $state
	 * @param array<string, mixed> $payment
	 * @return array<string, mixed>
	 */
	private function new_refund( array &$state, array $payment, int $amount, string $status ): array {
		if ( 'failed' !== $status ) {
			$state['payments'][ $payment['id'] ]['amount_refunded'] += $amount;
		}
		return array(
			'id'              => 're_' . self::next_id( $state ),
			'object'          => 'refund',
			'status'          => $status,
			'payment_id'      => $payment['id'],
			'amount'          => $amount,
			'currency'        => $payment['currency'],
			'order_id'        => $payment['order_id'],
			'livemode'        => $payment['livemode'],
			'reason'          => null,
			'failure_message' => 'failed' === $status ? 'The bank refused the refund' : null,
			'created'         => time(),
		);
	}

	/**
	 * The server the URL belongs to, with its mode; when test and live share a URL, the mode is null and the key
	 * decides.
	 *
	 * @return array{url: string, host: string, base_path: string, mode: string|null}|null
	 */
	private function server_for( string $host, string $path ): ?array {
		$matches = array();
		foreach ( $this->contract['servers'] as $mode => $server ) {
			$base = rtrim( (string) $server['base_path'], '/' );
			if ( strtolower( (string) $server['host'] ) === $host && ( '' === $base || 0 === strpos( $path, $base . '/' ) ) ) {
				$matches[] = $server + array( 'mode' => (string) $mode );
			}
		}
		if ( ! $matches ) {
			return null;
		}
		$server = $matches[0];
		if ( count( $matches ) > 1 ) {
			$server['mode'] = null;
		}
		return $server;
	}

	/**
	 * The mode the request authenticates as: its key must be the configured key of the server's mode.
	 *
	 * @param array<string, mixed>  $server
	 * @param array<string, string> $headers
	 */
	private function mode_of( array $server, array $headers ): ?string {
		$auth = isset( $headers['authorization'] ) ? (string) $headers['authorization'] : '';
		if ( 0 !== strpos( $auth, 'Bearer ' ) ) {
			return null;
		}
		$key = substr( $auth, 7 );
		foreach ( $this->config['keys'] as $mode => $expected ) {
			if ( '' !== (string) $expected && hash_equals( (string) $expected, $key ) && ( null === $server['mode'] || $server['mode'] === $mode ) ) {
				return (string) $mode;
			}
		}
		return null;
	}

	// ---- the control API (the contract suites, never the plugin) -------------------------------------------

	/**
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function control( string $method, string $action, string $body ): array {
		$input = json_decode( $body, true );
		$input = is_array( $input ) ? $input : array();
		return $this->locked(
			function ( array &$state ) use ( $method, $action, $input ) {
				if ( 'GET' === $method && 'state' === $action ) {
					return self::json( 200, $state );
				}
				if ( 'POST' === $method && 'scenario' === $action ) {
					$state['scenario'] = array_merge( $state['scenario'], array_intersect_key( $input, $state['scenario'] ) );
					return self::json( 200, $state['scenario'] );
				}
				if ( 'POST' === $method && preg_match( '~^(payments|refunds)/([A-Za-z0-9_]+)$~', $action, $m ) ) {
					if ( ! isset( $state[ $m[1] ][ $m[2] ] ) ) {
						return self::error( 404, 'not_found', 'No such object.' );
					}
					$object = array_merge( $state[ $m[1] ][ $m[2] ], array_intersect_key( $input, array_flip( array( 'status', 'failure_message' ) ) ) );
					if ( 'refunds' === $m[1] && 'failed' === $object['status'] && 'failed' !== $state['refunds'][ $m[2] ]['status'] ) {
						$state['payments'][ $object['payment_id'] ]['amount_refunded'] -= $object['amount'];
					}
					$state[ $m[1] ][ $m[2] ] = $object;
					return self::json( 200, $object );
				}
				if ( 'POST' === $method && 'refunds' === $action ) {
					// A refund made in the provider's dashboard: the plugin only learns of it from refund.succeeded.
					$payment_id = isset( $input['payment_id'] ) ? (string) $input['payment_id'] : '';
					if ( ! isset( $state['payments'][ $payment_id ] ) ) {
						return self::error( 404, 'not_found', 'No such payment.' );
					}
					$refund                            = $this->new_refund( $state, $state['payments'][ $payment_id ], (int) $input['amount'], 'succeeded' );
					$refund['reason']                  = 'Refunded in the dashboard';
					$state['refunds'][ $refund['id'] ] = $refund;
					return self::json( 201, $refund );
				}
				if ( 'POST' === $method && 'events' === $action ) {
					return $this->signed_event( $state, $input );
				}
				return self::error( 404, 'not_found', 'No such control action.' );
			}
		);
	}

	/**
	 * A webhook delivery for an object's current state, signed as the document's x-webhook-signature says.
	 *
	 * @param array<string, mixed> $state
	 * @param array<string, mixed> $input {"type": "payment.succeeded", "object_id": "pay_1", "timestamp"?: int,
	 *                                    "data"?: fields that replace the object's (an event about the wrong order)}.
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function signed_event( array &$state, array $input ): array {
		$type   = isset( $input['type'] ) ? (string) $input['type'] : '';
		$kind   = 0 === strpos( $type, 'refund.' ) ? 'refunds' : 'payments';
		$id     = isset( $input['object_id'] ) ? (string) $input['object_id'] : '';
		$object = isset( $state[ $kind ][ $id ] ) ? $state[ $kind ][ $id ] : null;
		if ( null === $object || ! isset( $this->contract['webhooks'][ $type ] ) ) {
			return self::error( 404, 'not_found', 'No such object or event type.' );
		}
		if ( isset( $input['data'] ) && is_array( $input['data'] ) ) {
			$object = array_merge( $object, $input['data'] );
		}
		$mode  = $object['livemode'] ? 'live' : 'test';
		$event = array(
			'id'       => 'evt_' . self::next_id( $state ),
			'type'     => $type,
			'created'  => time(),
			'livemode' => $object['livemode'],
			'data'     => $object,
		);
		$problems = Forge_Api_Schema::validate( $event, $this->contract['webhooks'][ $type ], 'event' );
		if ( $problems ) {
			return self::error( 500, 'api_error', 'The fake built an event the document does not allow: ' . implode( '; ', $problems ) );
		}
		$body      = (string) json_encode( $event, JSON_UNESCAPED_SLASHES );
		$timestamp = (string) ( isset( $input['timestamp'] ) ? (int) $input['timestamp'] : time() );
		$scheme    = $this->contract['signature'];
		$secret    = isset( $this->config['webhook_secrets'][ $mode ] ) ? (string) $this->config['webhook_secrets'][ $mode ] : '';
		$signed    = str_replace( array( '{timestamp}', '{body}' ), array( $timestamp, $body ), (string) $scheme['signed-payload'] );
		return self::json(
			200,
			array(
				'headers' => array(
					'Content-Type'                        => 'application/json',
					(string) $scheme['signature-header']  => hash_hmac( 'sha256', $signed, $secret ),
					(string) $scheme['timestamp-header']  => $timestamp,
				),
				'body'    => $body,
				'event'   => $event,
			)
		);
	}

	// ---- state -------------------------------------------------------------------------------------------------

	/**
	 * Run `$body` on the state under an exclusive lock and write it back: one consistent state across processes.
	 *
	 * @param callable $body function ( array &$state ): array
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private function locked( callable $body ): array {
		$handle = fopen( $this->state_file, 'c+' );
		if ( false === $handle ) {
			return self::error( 500, 'api_error', 'The fake provider cannot open its state.' );
		}
		try {
			flock( $handle, LOCK_EX );
			$raw   = stream_get_contents( $handle );
			$state = is_string( $raw ) && '' !== $raw ? json_decode( $raw, true ) : null;
			$state = is_array( $state ) ? $state : array();
			$state += array(
				'next_id'     => 1,
				'payments'    => array(),
				'refunds'     => array(),
				'idempotency' => array(),
				'requests'    => array(),
				'violations'  => array(),
				'scenario'    => array(),
			);
			$state['scenario'] += array(
				'next_payment_status' => 'requires_action',
				'next_refund_status'  => 'succeeded',
				'payment_delay_ms'    => 0,
			);
			$answer = $body( $state );
			ftruncate( $handle, 0 );
			rewind( $handle );
			fwrite( $handle, (string) json_encode( $state, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ) );
			fflush( $handle );
			return $answer;
		} finally {
			flock( $handle, LOCK_UN );
			fclose( $handle );
		}
	}

	/** @param array<string, mixed> $state */
	private static function next_id( array &$state ): string {
		$id = (int) $state['next_id'];
		++$state['next_id'];
		return 'F' . str_pad( (string) $id, 6, '0', STR_PAD_LEFT );
	}

	/**
	 * @param mixed $data
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private static function json( int $status, $data ): array {
		return array(
			'status'  => $status,
			'headers' => array( 'content-type' => 'application/json' ),
			'body'    => (string) json_encode( $data, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ),
		);
	}

	/**
	 * @return array{status: int, headers: array<string, string>, body: string}
	 */
	private static function error( int $status, string $type, string $message ): array {
		return self::json(
			$status,
			array(
				'error' => array(
					'type'    => $type,
					'message' => $message,
				),
			)
		);
	}
}
