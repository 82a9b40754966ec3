package io.fusion4j.eval.cli;

import com.google.inject.ProvisionException;
import io.fusion4j.api.NonFiniteException;
import io.fusion4j.api.UserInputException;
import io.fusion4j.api.backend.BackendUnavailableException;
import io.fusion4j.api.io.SafetensorsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.IOException;
import java.io.PrintWriter;

/**
 * Entry point of the {@code fusion4j} command. Bad input prints one line {@code fusion4j: <message>} and exits
 * with 2; anything else is a bug, printed as one line naming the exception (with its stack trace under
 * {@code --stacktrace} or {@code FUSION4J_STACKTRACE=1}), exit code 70.
 */
@Command(name = "fusion4j", mixinStandardHelpOptions = true, version = "fusion4j 0.1.0",
        description = "Early-fusion multimodal pre-training (MoMa, Transfusion) on the JVM.",
        subcommands = {TrainCommand.class, GenerateCommand.class, BackendsCommand.class, RoutersCommand.class,
                ModelCommand.class, UpcycleCommand.class, TrainAuxRoutersCommand.class, InspectRoutingCommand.class,
                BenchCommand.class, DataCommand.class, TokenizerCommand.class, EvalCommand.class, ReportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {
    /** Environment variable that, set to 1, prints the stack trace of an internal error. */
    static final String STACKTRACE_ENV = "FUSION4J_STACKTRACE";
    /** Exit code for bad input (as picocli uses for bad options). */
    static final int EXIT_USAGE = 2;
    /** Exit code for an internal error ({@code EX_SOFTWARE} of sysexits.h). */
    static final int EXIT_SOFTWARE = 70;

    @Option(names = "--stacktrace", scope = ScopeType.INHERIT,
            description = "Print the stack trace of a failure (also: FUSION4J_STACKTRACE=1).")
    boolean stacktrace;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the CLI with the given output streams and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return commandLine(out, err, "1".equals(System.getenv(STACKTRACE_ENV))).execute(args);
    }

    /** The command line with its error handling; {@code stacktraceByDefault} acts as if --stacktrace were given. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, boolean stacktraceByDefault) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((ex, args) -> {
            // One line like every other error; instead of the usage text, where to find it.
            CommandSpec failed = ex.getCommandLine().getCommandSpec();
            // 'fusion4j help' knows only the top-level commands; nested ones ('data fetch') have their own --help.
            String help = failed.parent() == null || failed.parent().parent() != null
                    ? failed.qualifiedName() + " --help" : "fusion4j help " + failed.name();
            err.println("fusion4j: " + oneLine(ex.getMessage()) + " (see '" + help + "')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> report(ex, err, main.stacktrace || stacktraceByDefault));
        return cl;
    }

    /**
     * Prints a failure of a command and returns the exit code: one line and 2 for bad input, else one line naming
     * the exception, a hint, and 70. With {@code stacktrace} the stack trace follows the line.
     */
    static int report(Throwable failure, PrintWriter err, boolean stacktrace) {
        // Guice wraps failures in a ProvisionException and Reactor checked ones in its own: look down the chain.
        int depth = 0;
        for (Throwable t = failure; t != null && depth++ < 64; t = t.getCause()) {
            if (isBadInput(t)) {
                err.println("fusion4j: " + oneLine(describe(t)));
                if (stacktrace) {
                    failure.printStackTrace(err);
                }
                err.flush();
                return EXIT_USAGE;
            }
        }
        Throwable shown = failure;
        while (shown instanceof ProvisionException && shown.getCause() != null) {
            shown = shown.getCause();
        }
        String message = shown.getMessage();
        err.println("fusion4j: internal error: " + shown.getClass().getName() + (message != null ? ": " + oneLine(message) : ""));
        if (stacktrace) {
            failure.printStackTrace(err);
        } else {
            err.println("(run with --stacktrace or " + STACKTRACE_ENV + "=1 for the stack trace)");
        }
        err.flush();
        return EXIT_SOFTWARE;
    }

    private static boolean isBadInput(Throwable t) {
        return t instanceof UserInputException || t instanceof BackendUnavailableException || t instanceof IOException
                || t instanceof SafetensorsException
                // A diverging run (a NaN loss or gradient norm) comes from its settings, not from a bug.
                || t instanceof NonFiniteException;
    }

    /**
     * A failure in words. File-system errors carry only the path as their message ("/runs/x"): say what happened
     * to it.
     */
    static String describe(Throwable t) {
        if (t instanceof java.nio.file.FileSystemException f) {
            String what = switch (f) {
                case java.nio.file.AccessDeniedException a -> "permission denied";
                case java.nio.file.NoSuchFileException n -> "no such file or folder";
                case java.nio.file.FileAlreadyExistsException x -> "already exists (a file where a folder is needed?)";
                case java.nio.file.NotDirectoryException d -> "not a folder";
                case java.nio.file.DirectoryNotEmptyException d -> "folder not empty";
                default -> f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            };
            String file = f.getFile() != null ? f.getFile() : "";
            return file + (f.getOtherFile() != null ? " -> " + f.getOtherFile() : "") + ": " + what
                    + (f.getReason() != null && !what.equals(f.getReason()) ? " (" + f.getReason() + ")" : "");
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    private static String oneLine(String s) {
        return String.valueOf(s).strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
