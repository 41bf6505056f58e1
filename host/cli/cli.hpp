// Parses the command line (CLI11) and calls the matching command.
#pragma once

namespace weir::cli {

int main(int argc, char** argv);

}  // namespace weir::cli
