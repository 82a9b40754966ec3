package io.fusion4j.eval.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fusion4j data}: the parent of the data subcommands; alone it prints their list. */
@Command(name = "data", mixinStandardHelpOptions = true, description = "Fetch, look at and tokenize datasets.",
        subcommands = {FetchCommand.class, DataShowCommand.class, DataTokenizeCommand.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        // A parent without a subcommand has nothing to do but say which ones exist.
        throw new CommandLine.ParameterException(spec.commandLine(), "'data' needs a subcommand: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
