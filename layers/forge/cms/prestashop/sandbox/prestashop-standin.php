<?php
/**
 * Plugin Forge: a PrestaShop STAND-IN. NOT PrestaShop.
 *
 * PrestaShop cannot be installed offline here, so the module's tests and the sandbox load this instead: the classes
 * and hooks a payment module touches, behaving as PrestaShop 8 does where the module can tell (install/uninstall,
 * hook registration and dispatch, Configuration, validateOrder refusing a cart that already has an order and
 * marking an order whose paid amount differs from the cart's as a payment error, order states and their history,
 * credit slips, the front controllers' redirects and notifications). The database is SQLite in memory, reached
 * through PrestaShop's Db API (the MySQL-only clauses a module writes are translated). Smarty is a small renderer
 * of the tags payment templates use, and it REFUSES a variable printed without an escape modifier, as PrestaShop
 * Addons' validator does.
 *
 * Outgoing HTTP (Tools::file_get_contents on an https URL) goes to Tools::$forgeHttp, which the driver points at the
 * shared fake payment provider; nothing leaves the process.
 *
 * Written for PHP 7.4 to 8.3.
 */

namespace PrestaShop\PrestaShop\Core\Payment {

    class PaymentOption
    {
        private $moduleName = '';
        private $callToActionText = '';
        private $action = '';
        private $additionalInformation = '';
        private $inputs = [];
        private $logo = '';

        public function setModuleName($name) { $this->moduleName = $name; return $this; }
        public function getModuleName() { return $this->moduleName; }
        public function setCallToActionText($text) { $this->callToActionText = $text; return $this; }
        public function getCallToActionText() { return $this->callToActionText; }
        public function setAction($action) { $this->action = $action; return $this; }
        public function getAction() { return $this->action; }
        public function setAdditionalInformation($html) { $this->additionalInformation = $html; return $this; }
        public function getAdditionalInformation() { return $this->additionalInformation; }
        public function setInputs(array $inputs) { $this->inputs = $inputs; return $this; }
        public function getInputs() { return $this->inputs; }
        public function setLogo($logo) { $this->logo = $logo; return $this; }
        public function getLogo() { return $this->logo; }
    }
}

namespace {

    if (!defined('_PS_VERSION_')) {
        define('_PS_VERSION_', '8.1.5');
    }
    if (!defined('_DB_PREFIX_')) {
        define('_DB_PREFIX_', 'ps_');
    }
    if (!defined('_MYSQL_ENGINE_')) {
        define('_MYSQL_ENGINE_', 'InnoDB');
    }

    class PrestaShopException extends Exception
    {
    }

    /** What Tools::redirect() and a controller's redirectWithNotifications() do instead of exit. */
    class PrestaShopStandinRedirect extends Exception
    {
        public $url;
        public $notifications;

        public function __construct($url, array $notifications = [])
        {
            parent::__construct('redirect to ' . $url);
            $this->url = $url;
            $this->notifications = $notifications;
        }
    }

    function pSQL($string, $htmlOK = false)
    {
        // PrestaShop escapes for MySQL; the stand-in's SQLite quotes by doubling.
        $string = (string) $string;
        if (!$htmlOK) {
            $string = strip_tags($string);
        }
        return str_replace("'", "''", $string);
    }

    class Db
    {
        const INSERT = 1;
        const INSERT_IGNORE = 2;
        const REPLACE = 3;

        private static $instance;
        /** @var PDO */
        private $pdo;
        private $affected = 0;

        public static function getInstance($master = true)
        {
            if (self::$instance === null) {
                self::$instance = new self();
            }
            return self::$instance;
        }

        public static function forgeReset()
        {
            self::$instance = null;
        }

        private function __construct()
        {
            $this->pdo = new PDO('sqlite::memory:');
            $this->pdo->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        }

        private static function translate($sql)
        {
            $sql = preg_replace('/\)\s*ENGINE\s*=\s*\w+(\s+DEFAULT\s+CHARSET\s*=\s*\w+)?/i', ')', $sql);
            $sql = preg_replace('/\bINSERT\s+IGNORE\b/i', 'INSERT OR IGNORE', $sql);
            $sql = preg_replace('/\b(INT|BIGINT|TINYINT)\s+UNSIGNED\b/i', '$1', $sql);
            return $sql;
        }

        public function execute($sql, $useCache = true)
        {
            $this->affected = $this->pdo->exec(self::translate($sql));
            return true;
        }

        public function executeS($sql, $array = true, $useCache = true)
        {
            $statement = $this->pdo->query(self::translate($sql));
            return $statement->fetchAll(PDO::FETCH_ASSOC);
        }

        public function getRow($sql, $useCache = true)
        {
            $rows = $this->executeS(preg_replace('/\s+LIMIT\s+\d+\s*$/i', '', $sql) . ' LIMIT 1');
            return $rows ? $rows[0] : false;
        }

        public function getValue($sql, $useCache = true)
        {
            $row = $this->getRow($sql);
            return $row ? reset($row) : false;
        }

        public function insert($table, $data, $nullValues = false, $useCache = true, $type = self::INSERT, $addPrefix = true)
        {
            $rows = isset($data[0]) && is_array($data[0]) ? $data : [$data];
            $verb = $type === self::INSERT_IGNORE ? 'INSERT OR IGNORE' : ($type === self::REPLACE ? 'INSERT OR REPLACE' : 'INSERT');
            $this->affected = 0;
            foreach ($rows as $row) {
                $values = array_map(static function ($v) {
                    return $v === null ? 'NULL' : (is_int($v) || is_float($v) ? (string) $v : "'" . $v . "'");
                }, array_values($row));
                $sql = $verb . ' INTO `' . ($addPrefix ? _DB_PREFIX_ : '') . $table . '` (`' . implode('`, `', array_keys($row)) . '`) VALUES (' . implode(', ', $values) . ')';
                $this->affected += $this->pdo->exec($sql);
            }
            return true;
        }

        public function update($table, $data, $where = '', $limit = 0, $nullValues = false, $useCache = true, $addPrefix = true)
        {
            $sets = [];
            foreach ($data as $column => $value) {
                $sets[] = '`' . $column . '` = ' . (is_int($value) || is_float($value) ? (string) $value : "'" . $value . "'");
            }
            $sql = 'UPDATE `' . ($addPrefix ? _DB_PREFIX_ : '') . $table . '` SET ' . implode(', ', $sets) . ($where !== '' ? ' WHERE ' . $where : '');
            $this->affected = $this->pdo->exec($sql);
            return true;
        }

        public function delete($table, $where = '', $limit = 0, $useCache = true, $addPrefix = true)
        {
            $this->affected = $this->pdo->exec('DELETE FROM `' . ($addPrefix ? _DB_PREFIX_ : '') . $table . '`' . ($where !== '' ? ' WHERE ' . $where : ''));
            return true;
        }

        public function Affected_Rows()
        {
            return (int) $this->affected;
        }

        public function tableExists($table)
        {
            return (bool) $this->getValue("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '" . pSQL($table) . "'");
        }
    }

    class Configuration
    {
        public static $values = [];

        public static function get($key, $idLang = null, $idShopGroup = null, $idShop = null, $default = false)
        {
            return array_key_exists($key, self::$values) ? self::$values[$key] : $default;
        }

        public static function updateValue($key, $value, $html = false, $idShopGroup = null, $idShop = null)
        {
            if (!preg_match('/^[A-Z0-9_]{1,254}$/', (string) $key)) {
                throw new PrestaShopException('Configuration key is not valid: ' . $key);
            }
            self::$values[$key] = is_array($value) ? $value : (string) $value;
            return true;
        }

        public static function deleteByName($key)
        {
            unset(self::$values[$key]);
            return true;
        }

        public static function hasKey($key)
        {
            return array_key_exists($key, self::$values);
        }
    }

    class Language
    {
        public static function getLanguages($active = true, $idShop = false)
        {
            return [['id_lang' => 1, 'iso_code' => 'en', 'name' => 'English']];
        }
    }

    class Validate
    {
        public static function isLoadedObject($object)
        {
            return is_object($object) && !empty($object->id);
        }

        public static function isModuleName($name)
        {
            return is_string($name) && (bool) preg_match('/^[a-zA-Z0-9_-]+$/', $name);
        }
    }

    /** ObjectModel: objects kept per class in memory, loaded by id as PrestaShop loads them from the database. */
    abstract class ObjectModel
    {
        public $id;
        protected static $forgeRows = [];

        public function __construct($id = null)
        {
            $id = (int) $id;
            if ($id > 0 && isset(static::$forgeRows[static::class][$id])) {
                foreach (static::$forgeRows[static::class][$id] as $field => $value) {
                    $this->$field = $value;
                }
                $this->id = $id;
            }
        }

        public function add($autoDate = true, $nullValues = false)
        {
            $rows = isset(static::$forgeRows[static::class]) ? static::$forgeRows[static::class] : [];
            $this->id = $rows ? max(array_keys($rows)) + 1 : 1;
            static::$forgeRows[static::class][$this->id] = get_object_vars($this);
            return true;
        }

        public function update($nullValues = false)
        {
            static::$forgeRows[static::class][(int) $this->id] = get_object_vars($this);
            return true;
        }

        public function save($nullValues = false, $autoDate = true)
        {
            return (int) $this->id > 0 ? $this->update() : $this->add();
        }

        public static function forgeAll()
        {
            return isset(static::$forgeRows[static::class]) ? static::$forgeRows[static::class] : [];
        }

        public static function forgeReset()
        {
            static::$forgeRows = [];
        }
    }

    class Currency extends ObjectModel
    {
        public $iso_code;
        public $sign = '';
    }

    class Customer extends ObjectModel
    {
        public $email;
        public $firstname = '';
        public $lastname = '';
        public $secure_key;
    }

    class Cart extends ObjectModel
    {
        const ONLY_PRODUCTS = 1;
        const BOTH = 3;

        public $id_customer;
        public $id_currency;
        public $id_address_delivery;
        public $id_address_invoice;
        public $secure_key;
        /** @var float the cart's total with taxes and shipping (the stand-in has no catalogue) */
        public $forge_total = 0.0;

        public function getOrderTotal($withTaxes = true, $type = self::BOTH)
        {
            return (float) $this->forge_total;
        }

        public function orderExists()
        {
            return Order::getIdByCartId((int) $this->id) > 0;
        }
    }

    class OrderState extends ObjectModel
    {
        public $name = [];
        public $module_name;
        public $color;
        public $send_email = false;
        public $logable = false;
        public $paid = false;
        public $invoice = false;
        public $hidden = false;
        public $deleted = false;
    }

    class Order extends ObjectModel
    {
        public $id_cart;
        public $id_customer;
        public $id_currency;
        public $module;
        public $payment;
        public $reference;
        public $total_paid;
        public $total_paid_real;
        public $current_state;
        public $secure_key;

        public static function getIdByCartId($idCart)
        {
            foreach (self::forgeAll() as $id => $row) {
                if ((int) $row['id_cart'] === (int) $idCart) {
                    return (int) $id;
                }
            }
            return false;
        }

        public function getCurrentState()
        {
            return (int) $this->current_state;
        }

        public function getHistory($idLang = 1)
        {
            return array_values(array_filter(OrderHistory::forgeAll(), function ($row) {
                return (int) $row['id_order'] === (int) $this->id;
            }));
        }
    }

    class OrderHistory extends ObjectModel
    {
        public $id_order;
        public $id_order_state;

        public function changeIdOrderState($newOrderState, $idOrder, $useExistingPayment = false)
        {
            $order = $idOrder instanceof Order ? $idOrder : new Order((int) $idOrder);
            $this->id_order_state = (int) $newOrderState;
            $order->current_state = (int) $newOrderState;
            $order->update();
            Hook::exec('actionOrderStatusUpdate', ['newOrderStatus' => new OrderState((int) $newOrderState), 'id_order' => (int) $order->id]);
        }
    }

    class OrderSlip extends ObjectModel
    {
        public $id_order;
        public $id_customer;
        public $total_products_tax_incl;
        public $total_shipping_tax_incl;

        public static function getOrdersSlip($customerId, $orderId = false)
        {
            $rows = [];
            foreach (self::forgeAll() as $id => $row) {
                if ((int) $row['id_customer'] === (int) $customerId && (!$orderId || (int) $row['id_order'] === (int) $orderId)) {
                    $rows[] = ['id_order_slip' => $id] + $row;
                }
            }
            return $rows;
        }
    }

    class PrestaShopLogger
    {
        public static $logs = [];

        public static function addLog($message, $severity = 1, $errorCode = null, $objectType = null, $objectId = null, $allowDuplicate = false, $idEmployee = null)
        {
            self::$logs[] = ['message' => $message, 'severity' => $severity];
            return true;
        }
    }

    class Link
    {
        const BASE = 'https://shop.forge.invalid/';

        public function getModuleLink($module, $controller = 'default', array $params = [], $ssl = null, $idLang = null, $idShop = null, $relativeProtocol = false)
        {
            return self::BASE . 'module/' . rawurlencode($module) . '/' . rawurlencode($controller) . ($params ? '?' . http_build_query($params) : '');
        }

        public function getPageLink($controller, $ssl = null, $idLang = null, $request = null, $requestUrlEncode = false, $idShop = null, $relativeProtocol = false)
        {
            $query = is_array($request) ? http_build_query($request) : (string) $request;
            return self::BASE . 'index.php?controller=' . rawurlencode($controller) . ($query !== '' ? '&' . $query : '');
        }
    }

    /**
     * The Smarty tags payment templates use: {* *} comments, {**...*} docblocks, {if}/{else}/{/if} on a variable,
     * {foreach from=$list item=x}, {l s='...' mod='...'} and {$var|escape:'htmlall':'UTF-8'}. Anything else, and a
     * variable printed without an escape modifier, is an error.
     */
    class Smarty
    {
        public $tpl_vars = [];

        public function assign($name, $value = null)
        {
            if (is_array($name)) {
                foreach ($name as $key => $val) {
                    $this->tpl_vars[$key] = $val;
                }
            } else {
                $this->tpl_vars[$name] = $value;
            }
            return $this;
        }

        public function fetch($file)
        {
            if (!is_file($file)) {
                throw new PrestaShopException('Smarty: no template ' . $file);
            }
            $source = preg_replace('/\{\*.*?\*\}/s', '', (string) file_get_contents($file));
            return $this->render($source, $this->tpl_vars);
        }

        private function render($source, array $vars)
        {
            $source = preg_replace_callback('/\{foreach from=\$(\w+) item=(\w+)\}(.*?)\{\/foreach\}/s', function ($m) use ($vars) {
                $out = '';
                foreach ((array) $this->value($vars, $m[1]) as $item) {
                    $out .= $this->render($m[3], [$m[2] => $item] + $vars);
                }
                return $out;
            }, $source);
            $source = preg_replace_callback('/\{if \$(\w+)\}(.*?)(?:\{else\}(.*?))?\{\/if\}/s', function ($m) use ($vars) {
                return $this->render($this->value($vars, $m[1]) ? $m[2] : (isset($m[3]) ? $m[3] : ''), $vars);
            }, $source);
            return preg_replace_callback('/\{([^}\s][^}]*)\}/', function ($m) use ($vars) {
                $tag = $m[1];
                if (preg_match("/^l s='((?:[^'\\\\]|\\\\.)*)'(?: mod='[a-z0-9_]+')?$/", $tag, $t)) {
                    return htmlspecialchars(stripslashes($t[1]), ENT_QUOTES, 'UTF-8');
                }
                if (preg_match("/^\\$(\\w+)\\|escape:'(?:html|htmlall)':'UTF-8'$/", $tag, $v)) {
                    return htmlspecialchars((string) $this->value($vars, $v[1]), ENT_QUOTES, 'UTF-8');
                }
                if (preg_match('/^\$\w+/', $tag)) {
                    throw new PrestaShopException('Smarty stand-in: {' . $tag . '} prints a variable without |escape:\'htmlall\':\'UTF-8\'');
                }
                throw new PrestaShopException('Smarty stand-in: unsupported tag {' . $tag . '}');
            }, $source);
        }

        private function value(array $vars, $name)
        {
            if (!array_key_exists($name, $vars)) {
                throw new PrestaShopException('Smarty stand-in: undefined variable $' . $name);
            }
            return $vars[$name];
        }
    }

    class Shop
    {
        public $id = 1;
    }

    class Context
    {
        private static $instance;
        public $cart;
        public $customer;
        public $currency;
        public $link;
        public $smarty;
        public $shop;
        public $language;
        public $controller;

        public static function getContext()
        {
            if (self::$instance === null) {
                self::$instance = new self();
                self::$instance->link = new Link();
                self::$instance->smarty = new Smarty();
                self::$instance->shop = new Shop();
                self::$instance->language = (object) ['id' => 1, 'iso_code' => 'en'];
                self::$instance->customer = new Customer();
                self::$instance->cart = new Cart();
            }
            return self::$instance;
        }

        public static function forgeReset()
        {
            self::$instance = null;
        }
    }

    class Tools
    {
        /** @var callable|null (method, url, headers[], body) => response body: the driver's fake provider */
        public static $forgeHttp;
        /** @var string the raw request body php://input holds */
        public static $forgeInput = '';
        public static $forgeRequests = [];

        public static function getValue($key, $default = false)
        {
            if (isset($_POST[$key])) {
                return $_POST[$key];
            }
            return isset($_GET[$key]) ? $_GET[$key] : $default;
        }

        public static function getIsset($key)
        {
            return isset($_POST[$key]) || isset($_GET[$key]);
        }

        public static function isSubmit($submit)
        {
            return self::getIsset($submit);
        }

        public static function redirect($url, $baseUri = '/', $link = null, $headers = null)
        {
            throw new PrestaShopStandinRedirect($url);
        }

        public static function getAdminTokenLite($tab)
        {
            return md5($tab . 'forge');
        }

        public static function displayPrice($price, $currency = null)
        {
            $iso = is_object($currency) ? $currency->iso_code : '';
            return number_format((float) $price, 2, '.', ',') . ($iso !== '' ? ' ' . $iso : '');
        }

        public static function file_get_contents($url, $useIncludePath = false, $streamContext = null, $curlTimeout = 5, $fallback = false)
        {
            if ($url === 'php://input') {
                return self::$forgeInput;
            }
            if (strpos($url, 'https://') !== 0 || self::$forgeHttp === null) {
                throw new PrestaShopException('stand-in: no network for ' . $url);
            }
            $options = $streamContext ? stream_context_get_options($streamContext) : [];
            $http = isset($options['http']) ? $options['http'] : [];
            $headers = [];
            foreach (preg_split('/\r\n/', isset($http['header']) ? (string) $http['header'] : '', -1, PREG_SPLIT_NO_EMPTY) as $line) {
                $parts = explode(':', $line, 2);
                $headers[trim($parts[0])] = isset($parts[1]) ? trim($parts[1]) : '';
            }
            $method = isset($http['method']) ? (string) $http['method'] : 'GET';
            $body = isset($http['content']) ? (string) $http['content'] : '';
            self::$forgeRequests[] = ['method' => $method, 'url' => $url, 'headers' => $headers, 'body' => $body];
            return call_user_func(self::$forgeHttp, $method, $url, $headers, $body);
        }
    }

    class Hook
    {
        /** @var array<string, string[]> hook name (lower case) => module names */
        public static $registered = [];

        public static function exec($hookName, $hookArgs = [], $idModule = null, $arrayReturn = false)
        {
            $results = [];
            $key = strtolower($hookName);
            foreach (isset(self::$registered[$key]) ? self::$registered[$key] : [] as $name) {
                $module = Module::getInstanceByName($name);
                $method = 'hook' . ucfirst($hookName);
                if ($module && $module->active && method_exists($module, $method)) {
                    $results[$name] = $module->$method($hookArgs);
                }
            }
            return $arrayReturn ? $results : implode('', array_filter($results, 'is_string'));
        }
    }

    abstract class Module
    {
        public $id;
        public $name;
        public $tab;
        public $version;
        public $author;
        public $displayName;
        public $description;
        public $confirmUninstall;
        public $need_instance = 1;
        public $ps_versions_compliancy = [];
        public $bootstrap = false;
        public $controllers = [];
        public $active = false;
        public $table = 'module';
        public $identifier = 'id_module';
        public $currencies = false;
        public $currencies_mode = '';
        /** @var Context */
        public $context;

        /** @var array<string, Module> installed modules by name */
        public static $forgeInstalled = [];
        /** @var array<string, string> module name => its folder */
        public static $forgeFolders = [];

        public function __construct($name = null, $context = null)
        {
            $this->context = $context ?: Context::getContext();
            if (!Validate::isModuleName((string) $this->name)) {
                throw new PrestaShopException('module name is not valid: ' . $this->name);
            }
            if (isset(self::$forgeInstalled[$this->name])) {
                $this->id = self::$forgeInstalled[$this->name]->id;
                $this->active = true;
            }
        }

        public static function getInstanceByName($name)
        {
            return isset(self::$forgeInstalled[$name]) ? self::$forgeInstalled[$name] : false;
        }

        public function install()
        {
            if (isset(self::$forgeInstalled[$this->name])) {
                return false;
            }
            $min = isset($this->ps_versions_compliancy['min']) ? $this->ps_versions_compliancy['min'] : '0';
            $max = isset($this->ps_versions_compliancy['max']) ? $this->ps_versions_compliancy['max'] : _PS_VERSION_;
            if (version_compare(_PS_VERSION_, $min, '<') || version_compare(_PS_VERSION_, $max, '>')) {
                return false;
            }
            $this->id = count(self::$forgeInstalled) + 1;
            $this->active = true;
            self::$forgeInstalled[$this->name] = $this;
            return true;
        }

        public function uninstall()
        {
            if (!isset(self::$forgeInstalled[$this->name])) {
                return false;
            }
            foreach (Hook::$registered as $hook => $names) {
                Hook::$registered[$hook] = array_values(array_diff($names, [$this->name]));
            }
            unset(self::$forgeInstalled[$this->name]);
            $this->active = false;
            return true;
        }

        public function registerHook($hookName, $shopList = null)
        {
            foreach ((array) $hookName as $hook) {
                $key = strtolower($hook);
                if (!in_array($this->name, isset(Hook::$registered[$key]) ? Hook::$registered[$key] : [], true)) {
                    Hook::$registered[$key][] = $this->name;
                }
            }
            return true;
        }

        public function unregisterHook($hookName, $shopList = null)
        {
            $key = strtolower($hookName);
            Hook::$registered[$key] = array_values(array_diff(isset(Hook::$registered[$key]) ? Hook::$registered[$key] : [], [$this->name]));
            return true;
        }

        public function isRegisteredInHook($hook)
        {
            $key = strtolower($hook);
            return in_array($this->name, isset(Hook::$registered[$key]) ? Hook::$registered[$key] : [], true);
        }

        public function l($string, $specific = false, $locale = null)
        {
            return $string;
        }

        public function trans($id, array $parameters = [], $domain = null, $locale = null)
        {
            return strtr($id, $parameters);
        }

        public function fetch($templatePath, $cacheId = null, $compileId = null)
        {
            if (!preg_match('~^module:([a-z0-9_]+)/(views/templates/[A-Za-z0-9_/]+\.tpl)$~', $templatePath, $m) || !isset(self::$forgeFolders[$m[1]])) {
                throw new PrestaShopException('no such module template: ' . $templatePath);
            }
            return $this->context->smarty->fetch(self::$forgeFolders[$m[1]] . '/' . $m[2]);
        }

        public function displayError($error)
        {
            return '<div class="alert alert-danger">' . htmlspecialchars((string) $error, ENT_QUOTES, 'UTF-8') . '</div>';
        }

        public function displayConfirmation($string)
        {
            return '<div class="alert alert-success">' . htmlspecialchars((string) $string, ENT_QUOTES, 'UTF-8') . '</div>';
        }

        public function displayWarning($warning)
        {
            return '<div class="alert alert-warning">' . htmlspecialchars((string) $warning, ENT_QUOTES, 'UTF-8') . '</div>';
        }
    }

    abstract class PaymentModule extends Module
    {
        public $currentOrder;
        public static $forgeValidateCalls = 0;

        /**
         * As PrestaShop's: a cart that already has an order is refused (PrestaShopException); an amount paid that
         * differs from the cart's total puts the order in the payment error state.
         */
        public function validateOrder($idCart, $idOrderState, $amountPaid, $paymentMethod = 'Unknown', $message = null, $extraVars = [], $currencySpecial = null, $dontTouchAmount = false, $secureKey = false, $shop = null, $orderReference = null)
        {
            ++self::$forgeValidateCalls;
            $cart = new Cart((int) $idCart);
            if (!Validate::isLoadedObject($cart) || $cart->orderExists()) {
                throw new PrestaShopException('Cart cannot be loaded or an order has already been placed using this cart');
            }
            $customer = new Customer((int) $cart->id_customer);
            if ($secureKey !== false && $secureKey !== $customer->secure_key) {
                throw new PrestaShopException('The secure key does not match the customer\'s');
            }
            if (abs((float) $amountPaid - $cart->getOrderTotal(true, Cart::BOTH)) > 0.01) {
                $idOrderState = (int) Configuration::get('PS_OS_ERROR');
            }
            $order = new Order();
            $order->id_cart = (int) $cart->id;
            $order->id_customer = (int) $cart->id_customer;
            $order->id_currency = (int) ($currencySpecial ?: $cart->id_currency);
            $order->module = $this->name;
            $order->payment = $paymentMethod;
            $order->total_paid = $cart->getOrderTotal(true, Cart::BOTH);
            $order->total_paid_real = (float) $amountPaid;
            $order->secure_key = $customer->secure_key;
            $order->reference = strtoupper(substr(md5('forge' . $cart->id), 0, 9));
            $order->add();
            $history = new OrderHistory();
            $history->id_order = (int) $order->id;
            $history->changeIdOrderState((int) $idOrderState, $order, true);
            $history->add();
            $this->currentOrder = (int) $order->id;
            $order = new Order((int) $order->id);
            Hook::exec('actionValidateOrder', ['cart' => $cart, 'order' => $order, 'customer' => $customer]);
            return true;
        }
    }

    class FrontController
    {
        public $errors = [];
        public $ajax = false;
        /** @var Context */
        public $context;

        public function __construct()
        {
            $this->context = Context::getContext();
        }

        public function redirectWithNotifications($url)
        {
            throw new PrestaShopStandinRedirect($url, ['error' => $this->errors]);
        }

        public function ajaxRender($value = null, $controller = null, $method = null)
        {
            echo $value;
        }
    }

    class ModuleFrontController extends FrontController
    {
        /** @var PaymentModule */
        public $module;

        public function __construct()
        {
            parent::__construct();
            $this->module = Module::getInstanceByName((string) Tools::getValue('module'));
        }
    }

    class AdminController
    {
        public static $currentIndex = 'index.php?controller=AdminModules';
    }

    class HelperForm
    {
        public $module;
        public $name_controller;
        public $table;
        public $token;
        public $currentIndex;
        public $default_form_language;
        public $submit_action;
        public $fields_value = [];

        /** The form's fields with their values, escaped as PrestaShop's helper templates escape them. */
        public function generateForm($forms)
        {
            $html = '<form method="post" action="' . htmlspecialchars($this->currentIndex . '&token=' . $this->token, ENT_QUOTES, 'UTF-8') . '">';
            foreach ($forms as $form) {
                foreach ($form['form']['input'] as $input) {
                    $value = isset($this->fields_value[$input['name']]) ? (string) $this->fields_value[$input['name']] : '';
                    $html .= '<label>' . htmlspecialchars((string) $input['label'], ENT_QUOTES, 'UTF-8') . '</label>';
                    $html .= '<input type="' . htmlspecialchars((string) $input['type'], ENT_QUOTES, 'UTF-8') . '" name="' . htmlspecialchars((string) $input['name'], ENT_QUOTES, 'UTF-8') . '" value="' . htmlspecialchars($value, ENT_QUOTES, 'UTF-8') . '">';
                    if (isset($input['desc'])) {
                        $html .= '<p>' . htmlspecialchars((string) $input['desc'], ENT_QUOTES, 'UTF-8') . '</p>';
                    }
                }
            }
            return $html . '<button name="' . htmlspecialchars((string) $this->submit_action, ENT_QUOTES, 'UTF-8') . '"></button></form>';
        }
    }

    /** A fresh shop: the order states PrestaShop installs, no module, an empty database. */
    function forge_standin_reset()
    {
        ObjectModel::forgeReset();
        Db::forgeReset();
        Context::forgeReset();
        Configuration::$values = ['PS_LANG_DEFAULT' => '1'];
        Hook::$registered = [];
        Module::$forgeInstalled = [];
        PaymentModule::$forgeValidateCalls = 0;
        PrestaShopLogger::$logs = [];
        Tools::$forgeRequests = [];
        Tools::$forgeInput = '';
        $_GET = [];
        $_POST = [];
        foreach (['PS_OS_AWAITING_PAYMENT' => 'Awaiting payment', 'PS_OS_PAYMENT' => 'Payment accepted', 'PS_OS_CANCELED' => 'Canceled', 'PS_OS_REFUND' => 'Refunded', 'PS_OS_ERROR' => 'Payment error'] as $key => $name) {
            $state = new OrderState();
            $state->name = [1 => $name];
            $state->add();
            Configuration::updateValue($key, (int) $state->id);
        }
    }

    forge_standin_reset();
}
