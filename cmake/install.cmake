# cmake/install.cmake - what `cmake --install` puts where.  Included by the
# top-level CMakeLists.txt after every target is defined.
#
#   lib/       libd4m.so (+ soname links), libd4m.a
#   include/   d4m.h, d4m/*.h
#   bin/       the tools (d4m-demo)
#   lib/pkgconfig/d4m.pc
#   lib/cmake/d4m/  d4mConfig.cmake, d4mConfigVersion.cmake, d4mTargets*.cmake
#                   (targets d4m::d4m, d4m::d4m_static, and d4m::GraphBLAS)
include(CMakePackageConfigHelpers)

set(D4M_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/d4m)

# ------------------------------------------- the static library's link interface
# target_link_libraries(d4m_static PRIVATE ...) records this machine's absolute
# paths (/usr/lib/.../libgraphblas.so.7.x.y, .../libm.so).  An
# installed package should name them instead: GraphBLAS becomes the target
# d4m::GraphBLAS that d4mConfig.cmake defines after finding GraphBLAS, and
# libm becomes plain `m`.  The build tree keeps the paths.
get_target_property(_d4m_iface d4m_static INTERFACE_LINK_LIBRARIES)
if(_d4m_iface)
  set(_d4m_new_iface "")
  foreach(_d4m_item IN LISTS _d4m_iface)
    if(GRAPHBLAS_LIBRARY AND _d4m_item STREQUAL GRAPHBLAS_LIBRARY)
      list(APPEND _d4m_new_iface
           "$<BUILD_INTERFACE:${GRAPHBLAS_LIBRARY}>"
           "$<INSTALL_INTERFACE:$<LINK_ONLY:d4m::GraphBLAS>>")
    elseif(D4M_LIBM AND _d4m_item STREQUAL D4M_LIBM)
      list(APPEND _d4m_new_iface
           "$<BUILD_INTERFACE:${D4M_LIBM}>"
           "$<INSTALL_INTERFACE:m>")
    else()
      list(APPEND _d4m_new_iface "${_d4m_item}")
    endif()
  endforeach()
  set_property(TARGET d4m_static PROPERTY INTERFACE_LINK_LIBRARIES "${_d4m_new_iface}")
endif()

# ------------------------------------------------------- libraries, headers, tools
install(TARGETS d4m d4m_static EXPORT d4mTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES ${PROJECT_SOURCE_DIR}/include/d4m.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/d4m/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/d4m
        FILES_MATCHING PATTERN "*.h")

foreach(_d4m_tool d4m-demo d4m)
  if(TARGET ${_d4m_tool})
    get_target_property(_d4m_type ${_d4m_tool} TYPE)
    if(_d4m_type STREQUAL "EXECUTABLE")
      install(TARGETS ${_d4m_tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
    endif()
  endif()
endforeach()

# ----------------------------------------------------------- CMake package
install(EXPORT d4mTargets NAMESPACE d4m:: FILE d4mTargets.cmake
        DESTINATION ${D4M_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/d4mConfig.cmake.in
  ${PROJECT_BINARY_DIR}/d4mConfig.cmake
  INSTALL_DESTINATION ${D4M_INSTALL_CMAKEDIR})
# 0.x: a minor release may change the API, so only the same minor matches.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/d4mConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/d4mConfig.cmake
              ${PROJECT_BINARY_DIR}/d4mConfigVersion.cmake
        DESTINATION ${D4M_INSTALL_CMAKEDIR})

# ------------------------------------------------------------- pkg-config
# GraphBLAS ships no .pc file, so it goes into Libs.private by name; its
# directories are added only when the compiler would not search them anyway.
set(D4M_PC_LIBS_PRIVATE "-lgraphblas -lrocksdb -lgomp -lm -pthread")
set(D4M_PC_CFLAGS_EXTRA "")
if(GRAPHBLAS_LIBRARY)
  get_filename_component(_d4m_grb_libdir ${GRAPHBLAS_LIBRARY} DIRECTORY)
  if(NOT _d4m_grb_libdir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES)
    set(D4M_PC_LIBS_PRIVATE "-L${_d4m_grb_libdir} ${D4M_PC_LIBS_PRIVATE}")
  endif()
endif()
if(GRAPHBLAS_INCLUDE_DIR AND NOT GRAPHBLAS_INCLUDE_DIR IN_LIST CMAKE_C_IMPLICIT_INCLUDE_DIRECTORIES
   AND NOT GRAPHBLAS_INCLUDE_DIR STREQUAL "/usr/include")
  set(D4M_PC_CFLAGS_EXTRA " -I${GRAPHBLAS_INCLUDE_DIR}")
endif()

# The prefix is only known at install time (`cmake --install --prefix P`), so
# the file is written then: first everything else is filled in now, leaving
# @D4M_PC_PREFIX@, then the install step substitutes the real prefix.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(D4M_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  set(D4M_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(D4M_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(D4M_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
set(D4M_PC_PREFIX "@D4M_PC_PREFIX@")
configure_file(${PROJECT_SOURCE_DIR}/cmake/d4m.pc.in
               ${PROJECT_BINARY_DIR}/d4m.pc.stage @ONLY)
install(CODE "
  set(D4M_PC_PREFIX \"\${CMAKE_INSTALL_PREFIX}\")
  configure_file(\"${PROJECT_BINARY_DIR}/d4m.pc.stage\"
                 \"${PROJECT_BINARY_DIR}/d4m.pc\" @ONLY)
")
install(FILES ${PROJECT_BINARY_DIR}/d4m.pc
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
