<?php
/**
 * Plugin Forge sandbox: loaded before every PHP script of the sandboxed WordPress (auto_prepend_file), in the
 * CLI phases and under `php -S` alike. Records every diagnostic PHP raises (E_ALL, including ones silenced
 * with @, and fatal errors at shutdown) as one JSON line in $FORGE_DIAGNOSTICS, attributed to the plugin
 * under test when any frame of its backtrace lies in $FORGE_PLUGIN_DIR (so a notice WordPress raises
 * because the plugin called it wrongly counts against the plugin). One exception: a deprecation raised in the
 * sandbox's SQLite engine ($FORGE_ENGINE_DIR, the database integration plugin that stands in for MySQL) is the
 * engine's own PHP 8 debt, which no MySQL site runs, so it is recorded but not counted against the plugin.
 */

error_reporting( E_ALL );

// The stand-in harness's class only (it returns before running), for the one table of diagnostic names.
define( 'FORGE_HARNESS_AS_LIBRARY', true );
require_once dirname( __DIR__ ) . '/harness.php';

final class Forge_Sandbox_Capture {
	/** @var string */
	public static $log = '';
	/** @var string */
	public static $plugin_dir = '';
	/** @var string */
	public static $phase = '';
	/** @var string */
	public static $engine_dir = '';

	private static function in_plugin( string $file ): bool {
		return '' !== self::$plugin_dir && 0 === strpos( $file, self::$plugin_dir );
	}

	public static function write( string $type, string $message, string $file, int $line, bool $plugin, bool $fatal ): void {
		$entry = array(
			'phase'   => self::$phase,
			'type'    => $type,
			'message' => $message,
			'file'    => $file,
			'line'    => $line,
			'plugin'  => $plugin,
			'fatal'   => $fatal,
		);
		if ( '' !== self::$log ) {
			file_put_contents( self::$log, json_encode( $entry, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE ) . "\n", FILE_APPEND | LOCK_EX );
		}
	}

	public static function on_error( int $errno, string $errstr, string $errfile = '', int $errline = 0 ): bool {
		$plugin = self::in_plugin( $errfile );
		$engine = E_DEPRECATED === $errno && '' !== self::$engine_dir && 0 === strpos( $errfile, self::$engine_dir );
		if ( ! $plugin && ! $engine ) {
			foreach ( debug_backtrace( DEBUG_BACKTRACE_IGNORE_ARGS ) as $frame ) {
				if ( isset( $frame['file'] ) && self::in_plugin( $frame['file'] ) ) {
					$plugin = true;
					break;
				}
			}
		}
		self::write( Forge_Harness::error_type( $errno ), $errstr, $errfile, $errline, $plugin, in_array( $errno, Forge_Harness::FATALS, true ) );
		return true;
	}

	public static function on_shutdown(): void {
		$last = error_get_last();
		if ( is_array( $last ) && in_array( $last['type'], Forge_Harness::FATALS, true ) ) {
			$file = (string) $last['file'];
			self::write( Forge_Harness::error_type( (int) $last['type'] ), (string) $last['message'], $file, (int) $last['line'], self::in_plugin( $file ), true );
		}
	}
}

Forge_Sandbox_Capture::$log        = (string) getenv( 'FORGE_DIAGNOSTICS' );
Forge_Sandbox_Capture::$plugin_dir = (string) getenv( 'FORGE_PLUGIN_DIR' );
Forge_Sandbox_Capture::$phase      = PHP_SAPI === 'cli-server' ? 'http' : (string) getenv( 'FORGE_PHASE' );
Forge_Sandbox_Capture::$engine_dir = (string) getenv( 'FORGE_ENGINE_DIR' );
set_error_handler( array( 'Forge_Sandbox_Capture', 'on_error' ) );
register_shutdown_function( array( 'Forge_Sandbox_Capture', 'on_shutdown' ) );
