package io.fusion4j.eval.cli;

import picocli.CommandLine.Command;

/** {@code fusion4j data}: the datasets' own commands. */
@Command(name = "data", description = "Datasets: show samples.", subcommands = {DataShowCommand.class})
final class DataCommand {
}
