# Pins optimized/CMakeLists.txt's localization of the per-ISA kernel objects:
# each kernels_<isa>_local.o may define as global only kernel_table_<isa>
# and names inside its own namespace lossoracle::optimized::<isa> (the
# guard and storage of function-local statics, GNU "unique" symbols, which
# cannot clash across ISAs). Without the localization every object defined the same
# library template instantiations (std::vector's fill loops) as weak globals,
# the linker kept one copy, and the AVX-512 copy raised SIGILL on an AVX2
# machine. Run as: cmake -DNM=<nm> -DOBJECT=<file> -DISA=<isa> -P isa_symbols.cmake
execute_process(COMMAND ${NM} -g --defined-only ${OBJECT} OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${OBJECT}")
endif()
string(REGEX MATCHALL "[^\n]+" lines "${out}")
string(LENGTH "${ISA}" isa_length)
set(table 0)
set(strays 0)
foreach(line IN LISTS lines)
  if(line MATCHES "kernel_table_${ISA}")
    math(EXPR table "${table} + 1")
  elseif(NOT line MATCHES "10lossoracle9optimized${isa_length}${ISA}")
    message(SEND_ERROR "${OBJECT}: a global symbol outside lossoracle::optimized::${ISA}: ${line}")
    math(EXPR strays "${strays} + 1")
  endif()
endforeach()
if(NOT table EQUAL 1)
  message(FATAL_ERROR "${OBJECT}: expected one kernel_table_${ISA} global, found ${table}")
endif()
if(strays EQUAL 0)
  message(STATUS "${OBJECT}: kernel_table_${ISA} is its only global symbol outside its namespace")
endif()
