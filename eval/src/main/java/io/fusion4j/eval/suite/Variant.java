package io.fusion4j.eval.suite;

/**
 * A trained run as the report sees it: which variant, which seed, at which budget (a multiple of the suite's base
 * steps: dense's 1×, 2×, 4×; the Transfusion suite's budgets), and where it is.
 */
public record Variant(String suite, String name, int seed, long steps, java.nio.file.Path run) {
}
