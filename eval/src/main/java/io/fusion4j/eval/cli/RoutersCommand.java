package io.fusion4j.eval.cli;

import io.fusion4j.api.router.RouterOption;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.Routers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code fusion4j routers}: every router found on the module path, with its options, types and defaults. */
@Command(name = "routers", description = "List the routers found on the module path and their options.")
final class RoutersCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Routers routers = RouterModule.routers();
        if (routers.providers().isEmpty()) {
            out.println("no routers found on the module path");
            return 1;
        }
        for (RouterProvider p : routers.providers()) {
            out.printf("%s: %s%n", p.name(), p.description());
            for (RouterOption o : p.options()) {
                out.printf("    %s%n", o.describe());
            }
            if (p.options().isEmpty()) {
                out.println("    (no options)");
            }
        }
        return 0;
    }
}
