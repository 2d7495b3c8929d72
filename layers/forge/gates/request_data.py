"""What counts as request data for the taint analysis (taint.py): its sources, the calls that no longer carry it,
and the calls that move it somewhere a plain assignment does not show."""

from __future__ import annotations

REQUEST_SUPERGLOBALS = frozenset(
    {"$_GET", "$_POST", "$_REQUEST", "$_COOKIE", "$_FILES", "$_SERVER", "$HTTP_RAW_POST_DATA"}
)
REQUEST_FUNCTIONS = frozenset(
    {
        "getallheaders",
        "apache_request_headers",
        "filter_input",
        "filter_input_array",
        "get_query_var",
        "get_search_query",
        "wp_get_referer",
        "wp_get_raw_referer",
    }
)
# WP_REST_Request methods returning request data (matched whatever the receiver).
REQUEST_METHODS = frozenset(
    {
        "get_param",
        "get_params",
        "get_body",
        "get_json_params",
        "get_body_params",
        "get_query_params",
        "get_url_params",
        "get_file_params",
        "get_header",
        "get_headers",
        "offsetget",
    }
)
# Calls whose result no longer carries attacker-chosen text (a number, a boolean).
TAINT_BREAKERS = frozenset(
    {
        "absint",
        "intval",
        "floatval",
        "boolval",
        "is_numeric",
        "isset",
        "empty",
        "count",
        "sizeof",
        "strlen",
        "mb_strlen",
        "in_array",
        "array_key_exists",
        "is_array",
        "is_string",
        "is_int",
        "is_scalar",
        "hash_equals",
        "wp_verify_nonce",
        "wp_validate_boolean",
        "rest_sanitize_boolean",
        "ctype_digit",
        "ctype_alnum",
    }
)
# Lookups by key: what they return is the registry's or the database's (a registered taxonomy, an order, an
# option), not the visitor's, even when the visitor picked the key. Stored data has its own checks.
LOOKUPS = frozenset(
    {
        "get_taxonomy",
        "get_post_type_object",
        "get_post",
        "get_userdata",
        "get_user_by",
        "get_term",
        "get_term_by",
        "get_role",
        "wc_get_order",
        "wc_get_product",
        "get_option",
        "get_site_option",
        "get_transient",
        "get_post_meta",
        "get_user_meta",
        "get_term_meta",
        "get_metadata",
    }
)
# Operators whose result is a boolean or an ordering.
BOOLEAN_OPERATORS = frozenset(
    {"==", "===", "!=", "!==", "<>", "<", ">", "<=", ">=", "<=>", "&&", "||", "and", "or", "xor", "instanceof"}
)
# Functions writing their input into a by-reference argument: name -> (input position, output position).
BY_REFERENCE = {"parse_str": (0, 1), "mb_parse_str": (0, 1), "preg_match": (1, 2), "preg_match_all": (1, 2)}
BY_REFERENCE_PUSH = frozenset({"array_push", "array_unshift"})  # the array receives the other arguments
# Calls that set variables of the current scope from their argument.
SCOPE_SETTERS = frozenset({"extract", "import_request_variables"})
PHP_INPUT_READERS = frozenset({"file_get_contents", "fopen", "file", "stream_get_contents"})
# Variables that are the same in every scope: writing request data into one makes it request data everywhere
# (and for $_SESSION, in later requests too).
ALWAYS_GLOBAL = frozenset({"$_SESSION", "$_ENV"})
# WordPress's own globals: extract() cannot be what sets them.
WORDPRESS_GLOBALS = frozenset({"$wpdb", "$wp", "$wp_query", "$wp_rewrite", "$post", "$current_user", "$woocommerce"})
# WordPress registrars take a callable but hand it WordPress's data, not the call's other arguments.
HOOK_REGISTRARS = ("add_", "register_", "wp_")
