<?php
/**
 * Plugin Forge: the JSON Schema subset the provider API document (openapi.yaml) uses, for the fake provider.
 *
 * Keywords: type (one or a list), const, enum, required, properties, additionalProperties (false or a schema),
 * propertyNames, minProperties/maxProperties, items, minItems/maxItems, uniqueItems, minimum/maximum,
 * minLength/maxLength, pattern, format (uri, email), allOf. Annotations (description, x-...) are ignored. A keyword
 * the document starts using and this file does not know is an error, not a silent pass.
 *
 * Written for PHP 7.4 to 8.3; no WordPress.
 *
 * @package Forge_Provider
 */

final class Forge_Api_Schema {

	const KNOWN = array(
		'type',
		'const',
		'enum',
		'required',
		'properties',
		'additionalProperties',
		'propertyNames',
		'minProperties',
		'maxProperties',
		'items',
		'minItems',
		'maxItems',
		'uniqueItems',
		'minimum',
		'maximum',
		'minLength',
		'maxLength',
		'pattern',
		'format',
		'allOf',
		'description',
		'summary',
		'title',
		'default',
		'examples',
	);

	/**
	 * Every way `$value` breaks `$schema`, as "path: problem" strings; empty when it conforms.
	 *
	 * @param mixed                $value  Decoded JSON (objects as associative arrays).
	 * @param array<string, mixed> $schema Resolved schema (no $ref).
	 * @return string[]
	 */
	public static function validate( $value, array $schema, string $path = '$' ): array {
		$errors = array();
		foreach ( array_keys( $schema ) as $keyword ) {
			if ( ! in_array( $keyword, self::KNOWN, true ) && 0 !== strpos( (string) $keyword, 'x-' ) ) {
				$errors[] = "$path: schema keyword '$keyword' is not supported by the fake provider's validator";
			}
		}
		if ( isset( $schema['allOf'] ) ) {
			foreach ( $schema['allOf'] as $part ) {
				$errors = array_merge( $errors, self::validate( $value, $part, $path ) );
			}
		}
		if ( isset( $schema['type'] ) && ! self::has_type( $value, (array) $schema['type'] ) ) {
			return array_merge( $errors, array( "$path: expected " . implode( ' or ', (array) $schema['type'] ) . ', got ' . self::type_of( $value ) ) );
		}
		if ( array_key_exists( 'const', $schema ) && $value !== $schema['const'] ) {
			$errors[] = "$path: must be " . json_encode( $schema['const'] );
		}
		if ( isset( $schema['enum'] ) && ! in_array( $value, $schema['enum'], true ) ) {
			$errors[] = "$path: " . json_encode( $value ) . ' is not one of ' . json_encode( $schema['enum'] );
		}
		if ( is_string( $value ) ) {
			$errors = array_merge( $errors, self::string_errors( $value, $schema, $path ) );
		}
		if ( ( is_int( $value ) || is_float( $value ) ) ) {
			if ( isset( $schema['minimum'] ) && $value < $schema['minimum'] ) {
				$errors[] = "$path: below the minimum {$schema['minimum']}";
			}
			if ( isset( $schema['maximum'] ) && $value > $schema['maximum'] ) {
				$errors[] = "$path: above the maximum {$schema['maximum']}";
			}
		}
		if ( is_array( $value ) && self::is_list( $value ) && ( ! $value || ! self::expects_object( $schema ) ) ) {
			$errors = array_merge( $errors, self::array_errors( $value, $schema, $path ) );
		} elseif ( is_array( $value ) ) {
			$errors = array_merge( $errors, self::object_errors( $value, $schema, $path ) );
		}
		return $errors;
	}

	/** @param array<string, mixed> $schema */
	private static function expects_object( array $schema ): bool {
		return in_array( 'object', (array) ( isset( $schema['type'] ) ? $schema['type'] : array() ), true ) || isset( $schema['properties'] );
	}

	/**
	 * @param array<string, mixed> $schema
	 * @return string[]
	 */
	private static function string_errors( string $value, array $schema, string $path ): array {
		$errors = array();
		$length = function_exists( 'mb_strlen' ) ? mb_strlen( $value, 'UTF-8' ) : strlen( $value );
		if ( isset( $schema['minLength'] ) && $length < $schema['minLength'] ) {
			$errors[] = "$path: shorter than {$schema['minLength']} characters";
		}
		if ( isset( $schema['maxLength'] ) && $length > $schema['maxLength'] ) {
			$errors[] = "$path: longer than {$schema['maxLength']} characters";
		}
		if ( isset( $schema['pattern'] ) && ! preg_match( '~' . str_replace( '~', '\\~', $schema['pattern'] ) . '~u', $value ) ) {
			$errors[] = "$path: does not match {$schema['pattern']}";
		}
		$format = isset( $schema['format'] ) ? $schema['format'] : '';
		if ( 'uri' === $format && ( ! preg_match( '~^https?://[^\s/]+~i', $value ) || false === parse_url( $value ) ) ) {
			$errors[] = "$path: not an absolute http(s) URI";
		}
		if ( 'email' === $format && false === filter_var( $value, FILTER_VALIDATE_EMAIL ) ) {
			$errors[] = "$path: not an email address";
		}
		return $errors;
	}

	/**
	 * @param array<int, mixed>    $value
	 * @param array<string, mixed> $schema
	 * @return string[]
	 */
	private static function array_errors( array $value, array $schema, string $path ): array {
		$errors = array();
		if ( isset( $schema['minItems'] ) && count( $value ) < $schema['minItems'] ) {
			$errors[] = "$path: fewer than {$schema['minItems']} items";
		}
		if ( isset( $schema['maxItems'] ) && count( $value ) > $schema['maxItems'] ) {
			$errors[] = "$path: more than {$schema['maxItems']} items";
		}
		if ( ! empty( $schema['uniqueItems'] ) && count( array_unique( array_map( 'json_encode', $value ) ) ) !== count( $value ) ) {
			$errors[] = "$path: items are not unique";
		}
		if ( isset( $schema['items'] ) ) {
			foreach ( $value as $i => $item ) {
				$errors = array_merge( $errors, self::validate( $item, $schema['items'], "{$path}[$i]" ) );
			}
		}
		return $errors;
	}

	/**
	 * @param array<string, mixed> $value
	 * @param array<string, mixed> $schema
	 * @return string[]
	 */
	private static function object_errors( array $value, array $schema, string $path ): array {
		$errors     = array();
		$properties = isset( $schema['properties'] ) ? $schema['properties'] : array();
		foreach ( isset( $schema['required'] ) ? $schema['required'] : array() as $name ) {
			if ( ! array_key_exists( $name, $value ) ) {
				$errors[] = "$path: required field '$name' is missing";
			}
		}
		if ( isset( $schema['minProperties'] ) && count( $value ) < $schema['minProperties'] ) {
			$errors[] = "$path: fewer than {$schema['minProperties']} fields";
		}
		if ( isset( $schema['maxProperties'] ) && count( $value ) > $schema['maxProperties'] ) {
			$errors[] = "$path: more than {$schema['maxProperties']} fields";
		}
		foreach ( $value as $name => $item ) {
			$name = (string) $name;
			if ( isset( $schema['propertyNames'] ) ) {
				$errors = array_merge( $errors, self::validate( $name, $schema['propertyNames'], "$path.$name (name)" ) );
			}
			if ( isset( $properties[ $name ] ) ) {
				$errors = array_merge( $errors, self::validate( $item, $properties[ $name ], "$path.$name" ) );
			} elseif ( array_key_exists( 'additionalProperties', $schema ) ) {
				if ( false === $schema['additionalProperties'] ) {
					$errors[] = "$path: field '$name' is not in the provider API document";
				} elseif ( is_array( $schema['additionalProperties'] ) ) {
					$errors = array_merge( $errors, self::validate( $item, $schema['additionalProperties'], "$path.$name" ) );
				}
			}
		}
		return $errors;
	}

	/**
	 * @param mixed    $value
	 * @param string[] $types
	 */
	private static function has_type( $value, array $types ): bool {
		foreach ( $types as $type ) {
			$ok = false;
			switch ( $type ) {
				case 'string':
					$ok = is_string( $value );
					break;
				case 'integer':
					$ok = is_int( $value );
					break;
				case 'number':
					$ok = is_int( $value ) || is_float( $value );
					break;
				case 'boolean':
					$ok = is_bool( $value );
					break;
				case 'null':
					$ok = null === $value;
					break;
				case 'array':
					$ok = is_array( $value ) && self::is_list( $value );
					break;
				case 'object':
					// json_decode( '{}', true ) is an empty array: an empty array passes as an object too.
					$ok = is_array( $value ) && ( ! $value || ! self::is_list( $value ) );
					break;
			}
			if ( $ok ) {
				return true;
			}
		}
		return false;
	}

	/** @param mixed $value */
	private static function type_of( $value ): string {
		if ( is_array( $value ) ) {
			return self::is_list( $value ) && $value ? 'array' : 'object';
		}
		return null === $value ? 'null' : gettype( $value );
	}

	/** @param array<mixed> $value */
	private static function is_list( array $value ): bool {
		return array_keys( $value ) === range( 0, count( $value ) - 1 ) || ! $value;
	}
}
