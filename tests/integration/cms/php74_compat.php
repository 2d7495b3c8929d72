<?php
/**
 * Usage: php php74_compat.php FILE...
 *
 * Generated plugins promise PHP 7.4, but the only PHP here is newer and `php -l` accepts its own
 * syntax. This parses each file as PHP 7.4 would tokenize it (nikic/php-parser, shipped with Debian's
 * PHPUnit) and flags syntax and functions that appeared later. Prints one line per problem; exits 1
 * if there is any.
 */

require '/usr/share/php/PhpParser/autoload.php';

use PhpParser\Lexer\Emulative;
use PhpParser\Node;
use PhpParser\NodeTraverser;
use PhpParser\NodeVisitorAbstract;
use PhpParser\ParserFactory;

final class Forge_Php8_Finder extends NodeVisitorAbstract {
	const NEWER_FUNCTIONS = array(
		'str_contains', 'str_starts_with', 'str_ends_with', 'get_debug_type', 'get_resource_id', 'fdiv',
		'preg_last_error_msg', 'array_is_list', 'enum_exists', 'json_validate', 'mb_str_pad',
		'str_increment', 'str_decrement', 'array_find', 'array_any', 'array_all', 'array_find_key',
	);

	const NEWER_TYPES = array( 'mixed', 'never', 'null', 'false', 'true', 'static' );

	/** @var string[] */
	public $problems = array();

	/** @var string */
	private $file;

	public function __construct( string $file ) {
		$this->file = $file;
	}

	private function flag( Node $node, string $what ): void {
		$this->problems[] = sprintf( '%s:%d: %s needs PHP 8', $this->file, $node->getStartLine(), $what );
	}

	private function check_type( $type, Node $node ): void {
		if ( $type instanceof Node\UnionType ) {
			$this->flag( $node, 'a union type' );
		} elseif ( $type instanceof Node\IntersectionType ) {
			$this->flag( $node, 'an intersection type' );
		} elseif ( ( $type instanceof Node\Identifier || $type instanceof Node\Name ) && in_array( strtolower( $type->toString() ), self::NEWER_TYPES, true ) ) {
			$this->flag( $node, 'the type ' . $type->toString() );
		} elseif ( $type instanceof Node\NullableType ) {
			$this->check_type( $type->type, $node );
		}
	}

	public function enterNode( Node $node ) {
		if ( $node instanceof Node\Expr\Match_ ) {
			$this->flag( $node, 'match' );
		} elseif ( $node instanceof Node\Expr\NullsafeMethodCall || $node instanceof Node\Expr\NullsafePropertyFetch ) {
			$this->flag( $node, 'the nullsafe operator' );
		} elseif ( $node instanceof Node\Expr\Throw_ ) {
			$this->flag( $node, 'throw as an expression' );
		} elseif ( $node instanceof Node\AttributeGroup ) {
			$this->flag( $node, 'an attribute' );
		} elseif ( $node instanceof Node\VariadicPlaceholder ) {
			$this->flag( $node, 'first-class callable syntax' );
		} elseif ( $node instanceof Node\Stmt\Enum_ ) {
			$this->flag( $node, 'an enum' );
		} elseif ( $node instanceof Node\Arg && null !== $node->name ) {
			$this->flag( $node, 'a named argument' );
		} elseif ( $node instanceof Node\Stmt\Catch_ && null === $node->var ) {
			$this->flag( $node, 'catch without a variable' );
		} elseif ( $node instanceof Node\Expr\ClassConstFetch && ! $node->class instanceof Node\Name ) {
			$this->flag( $node, '::class on an object' );
		} elseif ( $node instanceof Node\Param ) {
			if ( 0 !== $node->flags ) {
				$this->flag( $node, 'constructor property promotion' );
			}
			$this->check_type( $node->type, $node );
		} elseif ( $node instanceof Node\Stmt\Property ) {
			if ( $node->isReadonly() ) {
				$this->flag( $node, 'a readonly property' );
			}
			$this->check_type( $node->type, $node );
		} elseif ( $node instanceof Node\Expr\FuncCall && $node->name instanceof Node\Name
			&& in_array( strtolower( $node->name->getLast() ), self::NEWER_FUNCTIONS, true ) ) {
			$this->flag( $node, $node->name->toString() . '()' );
		}
		if ( $node instanceof Node\FunctionLike ) {
			$this->check_type( $node->getReturnType(), $node );
		}
		return null;
	}
}

$problems = array();
$parser   = ( new ParserFactory() )->create( ParserFactory::ONLY_PHP7, new Emulative( array( 'phpVersion' => Emulative::PHP_7_4 ) ) );
foreach ( array_slice( $argv, 1 ) as $file ) {
	try {
		$ast = $parser->parse( (string) file_get_contents( $file ) );
	} catch ( PhpParser\Error $e ) {
		$problems[] = sprintf( '%s: not PHP 7.4 syntax: %s', $file, $e->getMessage() );
		continue;
	}
	$finder    = new Forge_Php8_Finder( $file );
	$traverser = new NodeTraverser();
	$traverser->addVisitor( $finder );
	$traverser->traverse( (array) $ast );
	$problems = array_merge( $problems, $finder->problems );
}
foreach ( array_unique( $problems ) as $problem ) {
	echo $problem, "\n";
}
exit( $problems ? 1 : 0 );
