package io.fusion4j.eval.train;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line that runs the fusion4j CLI in a new JVM, from inside a test JVM. */
final class ChildCli {
    private ChildCli() {
    }

    static List<String> command(String... args) {
        String javaExe = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // Surefire puts jars that no module requires (Guava, ASM, aopalliance for Guice) on the class path; the launcher
        // names them with --add-modules, so the child needs them on its module path.
        StringBuilder modulePath = new StringBuilder(System.getProperty("jdk.module.path"));
        for (String e : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(e).getFileName().toString();
            if (name.matches("(guava|asm|failureaccess|aopalliance)-.*\\.jar")) {
                modulePath.append(File.pathSeparator).append(e);
            }
        }
        List<String> cmd = new ArrayList<>(List.of(javaExe, "-Dguice_bytecode_gen_option=DISABLED",
                "--add-modules", "com.google.common,org.objectweb.asm", "--module-path", modulePath.toString(),
                "-m", "io.fusion4j.eval/io.fusion4j.eval.cli.Main"));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
