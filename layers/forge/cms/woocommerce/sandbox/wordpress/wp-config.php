<?php
/**
 * wp-config.php of a Plugin Forge sandbox site: SQLite (wp-content/db.php drop-in), debug on, fresh salts.
 * FORGE_SALT is replaced by the sandbox with random bytes per run.
 */

define( 'DB_NAME', 'forge' );
define( 'DB_USER', 'forge' );
define( 'DB_PASSWORD', '' );
define( 'DB_HOST', 'localhost' );
define( 'DB_CHARSET', 'utf8' );
define( 'DB_COLLATE', '' );
define( 'DB_DIR', __DIR__ . '/wp-content/database/' );
define( 'DB_FILE', 'forge.sqlite' );

define( 'AUTH_KEY', 'FORGE_SALT-1' );
define( 'SECURE_AUTH_KEY', 'FORGE_SALT-2' );
define( 'LOGGED_IN_KEY', 'FORGE_SALT-3' );
define( 'NONCE_KEY', 'FORGE_SALT-4' );
define( 'AUTH_SALT', 'FORGE_SALT-5' );
define( 'SECURE_AUTH_SALT', 'FORGE_SALT-6' );
define( 'LOGGED_IN_SALT', 'FORGE_SALT-7' );
define( 'NONCE_SALT', 'FORGE_SALT-8' );

$table_prefix = 'wp_';

// E_ALL is captured by capture.php; WordPress must not lower it or print diagnostics into pages.
define( 'WP_DEBUG', true );
define( 'WP_DEBUG_DISPLAY', false );
define( 'WP_DEBUG_LOG', false );
define( 'SCRIPT_DEBUG', false );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );
define( 'WP_HOME', 'http://' . ( getenv( 'FORGE_SITE_HOST' ) ?: 'localhost' ) );
define( 'WP_SITEURL', WP_HOME );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
