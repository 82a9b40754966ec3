package io.fusion4j.eval.cli;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.BackendProvider;
import io.fusion4j.api.backend.BackendUnavailableException;
import io.fusion4j.api.backend.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code fusion4j backends}: every backend found on the module path, available or not, with the reason. */
@Command(name = "backends", description = "List the backends found, whether each can run here, and why not.")
final class BackendsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Backends backends = Backends.discover();
        if (backends.providers().isEmpty()) {
            out.println("no backends found on the module path");
            return 1;
        }
        String selected;
        try {
            selected = backends.select(null).name();
        } catch (BackendUnavailableException e) {
            // None is available, or FUSION4J_BACKEND names one that is not: the list below says which and why.
            selected = null;
        }
        for (BackendProvider p : backends.providers()) {
            Availability a = p.probe();
            out.printf("%-6s priority %3d  %s: %s%s%n", p.name(), p.priority(),
                    a.available() ? "available" : "unavailable", a.reason(),
                    p.name().equals(selected) ? "  (default)" : "");
        }
        return 0;
    }
}
