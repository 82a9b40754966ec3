package io.fusion4j.eval.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs fusion4j commands in this JVM, keeping the last command's stdout and stderr for assertions. */
abstract class InProcessCli {
    protected StringWriter out = new StringWriter();
    protected StringWriter err = new StringWriter();

    /** Runs one command line; its output replaces the previous command's. */
    protected int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
}
