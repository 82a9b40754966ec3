package io.fusion4j.eval.cli;

import io.fusion4j.api.backend.BackendUnavailableException;
import picocli.CommandLine;

import java.io.PrintWriter;
import picocli.CommandLine.Command;

/** Entry point of the {@code fusion4j} command. */
@Command(name = "fusion4j", mixinStandardHelpOptions = true, version = "fusion4j 0.1.0",
        description = "Early-fusion multimodal pre-training (MoMa, Transfusion) on the JVM.",
        subcommands = {TrainCommand.class, GenerateCommand.class, BackendsCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the CLI with the given output streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            // Expected failures (bad input, missing backend) get one clear line, not a stack trace;
            // Guice wraps them in a ProvisionException, so look down the cause chain.
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof BackendUnavailableException || t instanceof IllegalArgumentException
                        || t instanceof ArithmeticException || t instanceof java.io.IOException
                        || t instanceof io.fusion4j.api.io.SafetensorsException) {
                    cmd.getErr().println("fusion4j: " + t.getMessage());
                    return 2;
                }
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
