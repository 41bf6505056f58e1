// weir: one binary for the host (`weir serve`) and its operator commands.
#include "cli.hpp"

int main(int argc, char** argv) { return weir::cli::main(argc, argv); }
