DROP TABLE operator_members;
DROP TABLE operator_contract_cycles;
DROP TABLE operator_contracts;
DROP TABLE operators;
