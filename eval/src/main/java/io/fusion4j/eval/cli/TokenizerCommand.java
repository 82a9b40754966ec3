package io.fusion4j.eval.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code fusion4j tokenizer}: the parent of the image tokenizer subcommands; alone it prints their list. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, description = "Train and look at image tokenizers.",
        subcommands = {TokenizerTrainCommand.class, TokenizerShowCommand.class})
final class TokenizerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "'tokenizer' needs a subcommand: "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
